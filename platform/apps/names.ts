import { invalid } from '../errors';
import { appNameProblem } from '../shared/app-name';

export function checkAppName(name: string): void {
  const problem = appNameProblem(name);
  if (problem) throw invalid('invalid_app_name', problem);
}
