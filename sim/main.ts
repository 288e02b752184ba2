// Not built yet: see the open issues.
export async function runSimCommand(): Promise<never> {
  throw new Error('not implemented yet');
}
