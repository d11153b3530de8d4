// What each process of the pipeline touches on Google Cloud, and the role each call takes. The
// processes check exactly these resources at start (topology.ts), and test/deploy/iam.test.ts holds
// the README's IAM table to this list.
import { subscriptionFor } from '../../pipeline/ids';
import { bridgeTopics, pipeline } from '../../pipeline/definition';
import { type NeededResources } from './topology';
import { deadLetterReviewSubscription } from '../../pipeline/ids';

export interface Grant {
  role: string;
  /** The resources it is granted on ('project' for the project). */
  on: readonly string[];
  /** The calls that need it. */
  calls: string;
}

export const orchestrationDataset = 'nba_orchestration';

/** The topics the worker publishes to: the triggers, the export's completion, dead letters. */
export const workerPublishTopics: readonly string[] = [
  pipeline.topics.phase3Trigger,
  pipeline.topics.phase4Trigger,
  pipeline.topics.phase5Start,
  pipeline.topics.phase5Retry,
  pipeline.topics.phase6ExportTrigger,
  pipeline.topics.phase6ExportComplete,
  pipeline.topics.deadLetter,
];

export const bridgeSubscriptions: readonly string[] = bridgeTopics.map(subscriptionFor);

/** What the bridge checks at start: pull needs its subscriptions; both modes publish dead letters. */
export function bridgeNeeds(pull: boolean): NeededResources {
  return {
    process: 'bridge',
    topics: [pipeline.topics.deadLetter],
    subscriptions: pull ? bridgeSubscriptions : [],
  };
}

export const workerNeeds: NeededResources = {
  process: 'worker',
  topics: workerPublishTopics,
  subscriptions: [deadLetterReviewSubscription],
};

export const grants: Record<'bridge' | 'worker' | 'init', readonly Grant[]> = {
  bridge: [
    { role: 'roles/pubsub.subscriber', on: bridgeSubscriptions, calls: 'streaming pull, ack, nack' },
    { role: 'roles/pubsub.publisher', on: [pipeline.topics.deadLetter], calls: 'publish dead letters' },
    { role: 'roles/pubsub.viewer', on: ['project'], calls: 'topics.get, subscriptions.get at start' },
  ],
  worker: [
    { role: 'roles/pubsub.publisher', on: workerPublishTopics, calls: 'publish triggers' },
    {
      role: 'roles/pubsub.subscriber',
      on: [deadLetterReviewSubscription],
      calls: "the daily health check's dead-letter look (pull, hand back)",
    },
    { role: 'roles/pubsub.viewer', on: ['project'], calls: 'topics.get, subscriptions.get at start' },
    { role: 'roles/bigquery.jobUser', on: ['project'], calls: 'queries' },
    { role: 'roles/bigquery.dataEditor', on: [orchestrationDataset], calls: 'run history writes' },
    {
      role: 'roles/bigquery.dataViewer',
      on: ['nba_raw', 'nba_analytics', 'nba_precompute', 'nba_predictions'],
      calls: 'the schedule and what the exports read',
    },
    { role: 'roles/storage.objectAdmin', on: ['EXPORT_BUCKET'], calls: 'export files' },
  ],
  init: [
    { role: 'roles/pubsub.editor', on: ['project'], calls: 'create topics and subscriptions' },
    {
      role: 'roles/bigquery.dataEditor',
      on: ['project'],
      calls: `create the ${orchestrationDataset} dataset and its tables`,
    },
    { role: 'roles/bigquery.jobUser', on: ['project'], calls: 'DDL queries' },
  ],
};
