// How each workflow type follows worker versions (Worker Deployment Versioning), in one table that the workflows
// declare themselves with (setWorkflowOptions), the replay test and docs/OPS.md read.
import type { VersioningBehavior } from '@temporalio/common';

export const VERSIONING_BEHAVIOR = {
  // Waits for people for minutes to hours: stays on the version it started on; changes that must reach running
  // sessions use patched().
  fingpayEkyc: 'PINNED',
  // Short-lived and continued as new: moves to the current version at its next workflow task, so every version's
  // code must replay its histories.
  fingpayOtpQuota: 'AUTO_UPGRADE',
} as const satisfies Record<string, VersioningBehavior>;
