import { describeScenarios } from './describe-scenarios.js';

describeScenarios(['03-local-time-to-timestamptz', '04-email-lowercase-unique', '06-orders-active-archived']);
