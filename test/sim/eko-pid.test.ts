import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPidData } from '../../sim/eko-pid.js';
import { RdServiceSimulator } from '../../sim/rd-sim.js';
import { pidData } from './eko-fixtures.js';

describe('the Eko simulator’s PidData check', () => {
  it('passes fType 2, Data type X, mc present and qScore 25 or more', () => {
    expect(checkPidData(pidData())).toEqual({ ok: true });
    expect(checkPidData(pidData({ qScore: 25 }))).toEqual({ ok: true });
  });

  it('reads single-quoted attributes as the early pages print them', () => {
    const xml = pidData().replace(/"/g, "'");
    expect(checkPidData(xml)).toEqual({ ok: true });
  });

  it('calls each missing requirement a shape problem', () => {
    expect(checkPidData(pidData({ fType: '0' }))).toMatchObject({
      ok: false,
      kind: 'shape',
      problem: 'fType must be 2',
    });
    expect(checkPidData(pidData({ dataType: 'P' }))).toMatchObject({ kind: 'shape', problem: 'Data type must be X' });
    expect(checkPidData(pidData({ mc: null }))).toMatchObject({ kind: 'shape', problem: 'DeviceInfo mc is missing' });
    expect(checkPidData(pidData({ errCode: '720' }))).toMatchObject({ kind: 'shape', problem: 'capture failed' });
    expect(checkPidData('<PidData>')).toMatchObject({ kind: 'shape' });
  });

  it('calls qScore under 25 a quality problem', () => {
    expect(checkPidData(pidData({ qScore: 24 }))).toMatchObject({ ok: false, kind: 'quality' });
  });

  describe('with captures from the RD-service simulator', () => {
    let rd: RdServiceSimulator;
    const capture = async () => {
      const opts =
        '<PidOptions ver="1.0"><Opts fCount="1" fType="2" iCount="0" pCount="0" format="0" pidVer="2.0" timeout="10000" posh="UNKNOWN" env="P" wadh="E0jzJ/P8UopUHAieZn8CKqS4WPMi5ZSYXgfnlfkWjrc=" /></PidOptions>';
      const res = await fetch(`${rd.url}/rd/capture`, {
        method: 'CAPTURE',
        body: opts,
        headers: { 'Content-Type': 'text/xml' },
      });
      return res.text();
    };
    beforeAll(async () => {
      rd = await RdServiceSimulator.start({ host: '127.0.0.1', port: 0 });
    });
    afterAll(() => rd.stop());

    it('accepts a good capture and rejects a poor one for quality', async () => {
      rd.setMode('good');
      expect(checkPidData(await capture())).toEqual({ ok: true });
      rd.setMode('poor');
      expect(checkPidData(await capture())).toMatchObject({ ok: false, kind: 'quality' });
    });
  });
});
