// The tracing switch as the processes read it from the environment: off unless an OTLP endpoint or EKYC_TRACING
// turns it on, standard OTEL_* names, and one-line errors that name the variable and never echo a header value.
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_OTLP_TRACES_URL, loadTracingConfig, type Env } from '../../config/index.js';

const load = (env: Env) => loadTracingConfig(env, 'ekyc-worker');

function errorOf(env: Env): ConfigError {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError');
}

describe('the tracing switch', () => {
  it('is off when nothing is set', () => {
    expect(load({})).toMatchObject({ mode: 'off', tracesUrl: null });
  });

  it('treats empty values as unset', () => {
    expect(load({ EKYC_TRACING: '', OTEL_EXPORTER_OTLP_ENDPOINT: '' }).mode).toBe('off');
  });

  it('turns on OTLP with OTEL_EXPORTER_OTLP_ENDPOINT, sending to its /v1/traces', () => {
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toMatchObject({
      mode: 'otlp',
      tracesUrl: 'http://collector:4318/v1/traces',
    });
  });

  it('uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, over the base endpoint', () => {
    const config = load({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/spans',
    });
    expect(config).toMatchObject({ mode: 'otlp', tracesUrl: 'https://traces.example.com/otlp/spans' });
  });

  it('sends to the local collector default with EKYC_TRACING=otlp and no endpoint', () => {
    expect(load({ EKYC_TRACING: 'otlp' })).toMatchObject({ mode: 'otlp', tracesUrl: DEFAULT_OTLP_TRACES_URL });
  });

  it('stays off with EKYC_TRACING=off even when an endpoint is set', () => {
    expect(load({ EKYC_TRACING: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toMatchObject({
      mode: 'off',
      tracesUrl: null,
    });
  });

  it('writes spans to the console with EKYC_TRACING=console', () => {
    expect(load({ EKYC_TRACING: 'console' })).toMatchObject({ mode: 'console', tracesUrl: null });
  });

  it('names the service after the process unless OTEL_SERVICE_NAME says otherwise', () => {
    expect(load({}).serviceName).toBe('ekyc-worker');
    expect(load({ OTEL_SERVICE_NAME: 'ekyc-worker-blue' }).serviceName).toBe('ekyc-worker-blue');
  });

  it('samples every trace a caller samples, and every root, by default', () => {
    expect(load({})).toMatchObject({ sampler: 'parentbased_always_on', samplerRatio: 1 });
  });

  it('reads OTEL_TRACES_SAMPLER and its ratio from OTEL_TRACES_SAMPLER_ARG', () => {
    expect(load({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toMatchObject({
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
    });
  });

  it('reads OTLP headers, URL-decoded, the traces-only ones winning per key', () => {
    const config = load({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D%3D, x-team=ops',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'X-Team=traces',
    });
    expect(config.headers).toEqual({ 'x-api-key': 'abc==', 'x-team': 'traces' });
  });
});

describe('tracing configuration errors', () => {
  it.each([
    [{ EKYC_TRACING: 'jaeger' }, 'EKYC_TRACING: must be one of otlp, console, off'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL'],
    [
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://c:4317' },
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: must be an http(s) URL',
    ],
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER: must be one of'],
    [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG: must be a ratio between 0 and 1'],
    [{ OTEL_SERVICE_NAME: 'two words' }, 'OTEL_SERVICE_NAME: must be 1-128 characters without spaces'],
  ])('stops with one line naming the variable for %o', (env, message) => {
    const err = errorOf(env);
    expect(err.message.startsWith(message)).toBe(true);
    expect(err.message).not.toContain('\n');
  });

  it('names a malformed OTLP header entry without showing its value', () => {
    const err = errorOf({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer sekrit-value,sekrit-only' });
    expect(err.variable).toBe('OTEL_EXPORTER_OTLP_HEADERS');
    expect(err.message).toContain('entry 2');
    expect(err.message).not.toContain('sekrit');
  });

  it('names an OTLP header whose value is not valid URL encoding, without the value', () => {
    const err = errorOf({ OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-api-key=%E0%A4%A' });
    expect(err.message).toBe('OTEL_EXPORTER_OTLP_TRACES_HEADERS: the value of "x-api-key" is not valid URL encoding');
  });
});
