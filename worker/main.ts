// Not built yet: see the open issues.
export async function runWorkerCommand(): Promise<never> {
  throw new Error('not implemented yet');
}
