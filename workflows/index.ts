export { scoreJob } from './score-job.js';
export { scorePartition } from './score-partition.js';
