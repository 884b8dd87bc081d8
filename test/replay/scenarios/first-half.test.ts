import { describeEngineSelfTests } from '../engine-self-tests.js';
import { describeScenarios } from './describe-scenarios.js';

// Scenarios are split over two files (two workers) by cost; the engine's self-tests share this one's database.
describeScenarios(['01-split-full-name', '02-amount-to-cents', '05-status-lookup-table'], describeEngineSelfTests);
