// Container health check: GET $EKYC_HEALTHCHECK_URL, healthy on a 2xx within 4 s.
const url = process.env.EKYC_HEALTHCHECK_URL ?? 'http://127.0.0.1:8080/healthz';
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
