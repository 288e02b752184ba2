// Not built yet: see the open issues.
export async function runApiCommand(): Promise<never> {
  throw new Error('not implemented yet');
}
