// Not built yet: see the open issues.
export async function runCodecServerCommand(): Promise<never> {
  throw new Error('not implemented yet');
}
