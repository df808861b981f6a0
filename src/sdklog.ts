/**
 * With step debug on (ACTIONS_STEP_DEBUG, which the runner passes on as RUNNER_DEBUG=1), the Azure SDK's own
 * log (requests, retries, token acquisition) goes to core.debug, redacted like everything else we print.
 */
import { format } from 'node:util';
import { AzureLogger, setLogLevel } from '@azure/logger';
import { redactSas } from './report.js';

/** Turns the Azure SDK's logging on (level info) and routes it to `debug`; does nothing unless `enabled`. */
export function routeAzureSdkLog(enabled: boolean, debug: (message: string) => void): void {
  if (!enabled) return;
  AzureLogger.log = (...args: unknown[]): void => {
    debug(redactSas(format(...args)).trimEnd());
  };
  setLogLevel('info');
}
