// Experiments the benchmarks can switch on (BENCH_EXPERIMENT=a,b) to measure what one part of the product costs.
// They change what is measured, so every report names the experiments it ran with; the figures of record run none.
export const EXPERIMENTS = {
  /** The driver starts and updates with the plain SDK client (same converter): what EkycClient's extra RPCs cost. */
  sdkClient: 'sdk-client',
} as const;

export type Experiment = (typeof EXPERIMENTS)[keyof typeof EXPERIMENTS];

const KNOWN = Object.values(EXPERIMENTS) as string[];

export const ACTIVE: Experiment[] = (process.env.BENCH_EXPERIMENT ?? '')
  .split(',')
  .map((e) => e.trim())
  .filter(Boolean)
  .map((e) => {
    if (!KNOWN.includes(e)) throw new Error(`BENCH_EXPERIMENT: unknown experiment "${e}" (known: ${KNOWN.join(', ')})`);
    return e as Experiment;
  });

export const experimentOn = (e: Experiment) => ACTIVE.includes(e);
/** For file names and report headers: "" when none is on. */
export const experimentLabel = () => ACTIVE.join('+');
