export { ACTIONS, BITBUCKET_DOCKER_IMAGE } from './actions.js';
export { bitbucketPipelines } from './bitbucket.js';
export { BITBUCKET_FILE, BITBUCKET_NOTES } from './bitbucket-facts.js';
export { buildCommands, platformDigests, publishCommands, shellQuote } from './commands.js';
export { filterGlob } from './filters.js';
export { githubWorkflow, workflowPath } from './github.js';
export { archTagFor, type CiTarget, perArch } from './target.js';
