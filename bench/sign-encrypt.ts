// µs per Eko attempt's crypto: a fresh secret-key signature plus RSA PKCS#1 v1.5 encryption of an Aadhaar
// number, under a 1024-bit key (like Eko's published keys) and a 2048-bit one. Run: npm run bench.
import { generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { encryptAadhaar, parseAadhaarPublicKey } from '../activities/eko/aadhaar-crypto.js';
import { signRequest } from '../activities/eko/signing.js';
import { verhoeffCheckDigit } from '../common/verhoeff.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const WARMUP = 1_000;
const GOAL_US = 100;

// Synthetic, Verhoeff-valid: never a real person's number.
const body = '23456789012';
const aadhaar = body + String(verhoeffCheckDigit(body));

function measure(bits: 1024 | 2048) {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const key = parseAadhaarPublicKey(publicKey.export({ type: 'spki', format: 'der' }).toString('base64'));
  const once = () => {
    signRequest('bench-developer-key', 'bench-access-key');
    encryptAadhaar(aadhaar, key);
  };
  for (let i = 0; i < WARMUP; i++) once();
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const t = performance.now();
    once();
    samples.push(performance.now() - t);
  }
  const totalMs = performance.now() - started;
  samples.sort((a, b) => a - b);
  const us = (ms: number) => Math.round(ms * 1000 * 10) / 10;
  return {
    keyBits: bits,
    iterations: ITERATIONS,
    meanUs: us(totalMs / ITERATIONS),
    p50Us: us(samples[Math.floor(ITERATIONS * 0.5)]),
    p99Us: us(samples[Math.floor(ITERATIONS * 0.99)]),
    withinGoal: totalMs / ITERATIONS <= GOAL_US / 1000,
  };
}

const results = [measure(1024), measure(2048)];
process.stdout.write(`${JSON.stringify({ bench: 'sign+encrypt', goalUs: GOAL_US, node: process.version, results })}\n`);
for (const r of results) {
  process.stdout.write(
    `sign+encrypt, RSA-${r.keyBits}: ${r.meanUs} µs mean (p50 ${r.p50Us} µs, p99 ${r.p99Us} µs) over ${r.iterations} — goal ≤ ${GOAL_US} µs: ${r.withinGoal ? 'met' : 'MISSED'}\n`,
  );
}
