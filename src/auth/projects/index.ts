/**
 * Projects, groups, memberships and the authorisation decision of the access model (issue 11).
 * See README.md.
 */
export { createAuthorizer, projectOf } from './authorizer.js';
export { classificationLabel } from './classification.js';
export { createProjects } from './projects.js';
