export { scoreJob } from './score-job.js';
export { progressQuery } from './messages.js';
