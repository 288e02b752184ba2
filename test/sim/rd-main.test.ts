import { describe, expect, it } from 'vitest';
import { RD_PORT_RANGE } from '../../sim/rd-sim.js';
import { startSimulators } from '../../sim/main.js';

describe('ekyc sim and the RD-service simulator', () => {
  it('starts the RD-service simulator on the 11100-11120 range, says where, and stops it with the rest', async () => {
    const sims = await startSimulators({ EKO_SIM_PORT: '0' });
    let url: string | undefined;
    try {
      url = sims.info.rd?.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const port = Number(new URL(url!).port);
      expect(port).toBeGreaterThanOrEqual(RD_PORT_RANGE.first);
      expect(port).toBeLessThanOrEqual(RD_PORT_RANGE.last);
      expect(sims.info.rd?.mode).toBe('good');
      const discovery = await (await fetch(`${url}/`, { method: 'RDSERVICE' })).text();
      expect(discovery).toContain('status="READY"');
    } finally {
      await sims.stop();
    }
    await expect(fetch(`${url}/`, { method: 'RDSERVICE' })).rejects.toThrow();
  });

  it('answers in the mode EKYC_RD_SIM_MODE names', async () => {
    const sims = await startSimulators({ EKO_SIM_PORT: '0', EKYC_RD_SIM_MODE: 'notReady' });
    try {
      expect(sims.info.rd?.mode).toBe('notReady');
      const discovery = await (await fetch(`${sims.info.rd!.url}/`, { method: 'RDSERVICE' })).text();
      expect(discovery).toContain('status="NOTREADY"');
    } finally {
      await sims.stop();
    }
  });

  it('refuses an unknown mode, naming the variable and the modes, before starting anything', async () => {
    await expect(startSimulators({ EKO_SIM_PORT: '0', EKYC_RD_SIM_MODE: 'great' })).rejects.toThrow(
      /^EKYC_RD_SIM_MODE: must be one of good, poor, deviceError, notReady$/,
    );
  });
});
