// The pipeline renderers, which bring the yaml library: loaded only by a run that writes a pipeline.
export { bitbucketPipelines } from './bitbucket.js';
export { githubWorkflow, workflowPath } from './github.js';
