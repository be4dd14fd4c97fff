/** The project of a repository name (`team/app` → `team`): projects are the first path component. */
export function projectOf(repository: string): string {
  return repository.split('/', 1)[0] ?? repository;
}
