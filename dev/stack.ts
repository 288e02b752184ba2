// Not built yet: see the open issues.
export async function runDevCommand(): Promise<never> {
  throw new Error('not implemented yet');
}
