// How each workflow type follows worker versions (Worker Deployment Versioning), in one table that the workflows
// declare themselves with (setWorkflowOptions), the replay test and docs/OPS.md read.
import type { VersioningBehavior, WorkflowDefinitionOptions } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';

export const VERSIONING_BEHAVIOR = {
  // Waits for people for minutes to hours: stays on the version it started on; changes that must reach running
  // sessions use patched().
  fingpayEkyc: 'PINNED',
  // Short-lived and continued as new: moves to the current version at its next workflow task, so every version's
  // code must replay its histories.
  fingpayOtpQuota: 'AUTO_UPGRADE',
  // Lives for years: follows the current version (each version must replay its histories: `ekyc replay`), and
  // continues as new every 30 IST days, so a changed history shape is met only by runs begun since.
  fingpayAgent: 'AUTO_UPGRADE',
  // Lives for years like the lifecycle (one per agent, continued as new): follows the current version.
  fingpayWebhooks: 'AUTO_UPGRADE',
} as const satisfies Record<string, VersioningBehavior>;

/**
 * The definition options of a workflow type: its versioning behaviour, declared only when a versioned worker runs it.
 * The server refuses a task completion that carries a behaviour from an unversioned worker (the tests' in-process
 * workers, EKYC_WORKER_VERSIONING=off), so the run looks at the version its first task ran on. A run begun before
 * versioning (no version in its history) declares nothing and gets the worker's default, PINNED, wherever it lands.
 */
export const versioningOptions = (workflowType: keyof typeof VERSIONING_BEHAVIOR) => (): WorkflowDefinitionOptions =>
  workflowInfo().currentDeploymentVersion?.deploymentName
    ? { versioningBehavior: VERSIONING_BEHAVIOR[workflowType] }
    : {};
