// Named end-to-end scenarios as data: the template the simulator holds, the `with:` the workflow
// gives, when the workflow is canceled, and what should come out. The demo runs them; tests can too.
// Simulated time is real time here: each build lasts seconds, not the tens of minutes Azure takes.
import type { PhaseSpec, RunState, RunSubState, TemplateScenario } from './azure/index.ts';

export type ScenarioName = 'success' | 'failure' | 'timeout' | 'cancel';

export interface Scenario {
  name: ScenarioName;
  /** One line for the demo's banner. */
  description: string;
  template: TemplateScenario;
  /** Inputs on top of the simulator's actionInputs (timeouts, artifact name, ...). */
  with: Record<string, string>;
  /** The workflow is canceled (SIGINT, as the runner does) this long after the build reaches this sub-state. */
  cancel?: { atSubState: RunSubState; afterMs: number };
  expect: {
    /** How the runner concludes the main step. */
    conclusion: 'success' | 'failure' | 'cancelled';
    /** The action's run-state output (absent: not checked, e.g. a killed step may not write it). */
    runStateOutput?: string;
    /** Where the template's run ends in the simulator. */
    finalRunState: RunState;
    /** The action asked the service to cancel the build. */
    cancelRequested: boolean;
    /** A logs artifact is uploaded (absent: not checked). */
    artifact?: boolean;
    /** Text the action's log shows (main step). */
    logIncludes: string[];
    /** The post step runs. */
    post: boolean;
  };
}

const RG = 'rg-images';

/** Ubuntu 24.04 with a couple of shell customizers, distributed as a managed image and a gallery version. */
function ubuntuTemplate(name: string): TemplateScenario {
  return {
    resourceGroup: RG,
    name,
    location: 'westeurope',
    distribute: [
      { type: 'ManagedImage', runOutputName: 'ubuntu2404-managed' },
      { type: 'SharedImage', runOutputName: 'ubuntu2404-gallery' },
    ],
    body: {
      tags: { workload: 'web', source: 'image-builder-run-demo' },
      properties: {
        source: { type: 'PlatformImage', publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
        customize: [
          { type: 'Shell', name: 'base-packages', scriptUri: 'https://raw.githubusercontent.com/octo-org/images/main/scripts/base.sh' },
          { type: 'Shell', name: 'install-web', inline: ['sudo apt-get install -y nginx', 'sudo systemctl enable nginx'] },
        ],
        vmProfile: { vmSize: 'Standard_D2s_v3', osDiskSizeGB: 30 },
        buildTimeoutInMinutes: 60,
      },
    },
  };
}

const building = (ms: number): PhaseSpec => ({ subState: 'Building', durationMs: ms }); // the simulator's default packer lines

const customizing = (ms: number): PhaseSpec => ({
  subState: 'Customizing',
  durationMs: ms,
  lines: [
    'PACKER OUT ==> azure-arm: Provisioning with shell script: /tmp/packer-shell2637519620',
    'PACKER OUT     azure-arm: + curl -fsSL -o /tmp/base.sh https://raw.githubusercontent.com/octo-org/images/main/scripts/base.sh',
    'PACKER OUT     azure-arm: Hit:1 http://azure.archive.ubuntu.com/ubuntu noble InRelease',
    'PACKER OUT     azure-arm: Get:2 http://azure.archive.ubuntu.com/ubuntu noble-updates InRelease [126 kB]',
    'PACKER OUT     azure-arm: Get:3 http://azure.archive.ubuntu.com/ubuntu noble-security InRelease [126 kB]',
    'PACKER OUT     azure-arm: Fetched 12.4 MB in 3s (4,133 kB/s)',
    'PACKER OUT     azure-arm: Reading package lists...',
    'PACKER OUT     azure-arm: The following NEW packages will be installed:',
    'PACKER OUT     azure-arm:   jq libjq1 libonig5 unzip',
    'PACKER OUT     azure-arm: Setting up jq (1.7.1-3build1) ...',
    'PACKER OUT ==> azure-arm: Provisioning with shell script: /tmp/packer-shell1984001477',
    'PACKER OUT     azure-arm: Reading package lists...',
    'PACKER OUT     azure-arm: Setting up nginx-common (1.24.0-2ubuntu7.1) ...',
    'PACKER OUT     azure-arm: Setting up nginx (1.24.0-2ubuntu7.1) ...',
    'PACKER OUT     azure-arm: Created symlink /etc/systemd/system/multi-user.target.wants/nginx.service → /usr/lib/systemd/system/nginx.service.',
    'PACKER OUT     azure-arm: Processing triggers for man-db (2.12.0-4build2) ...',
    'PACKER OUT ==> azure-arm: Provisioning with shell script: /tmp/packer-shell3102233941',
    'PACKER OUT     azure-arm: + /usr/sbin/waagent -force -deprovision+user',
    'PACKER OUT     azure-arm: WARNING! The waagent service will be stopped.',
  ],
});

const tail = (optimize: number, validate: number, distribute: number): PhaseSpec[] => [
  {
    subState: 'Optimizing',
    durationMs: optimize,
    lines: ['PACKER OUT ==> azure-arm: Optimizing image: removing machine-specific state ...'],
  },
  {
    subState: 'Validating',
    durationMs: validate,
    lines: ['PACKER OUT ==> azure-arm: Running in-VM validations ...', 'PACKER OUT     azure-arm: validation: nginx.service is enabled'],
  },
  { subState: 'Distributing', durationMs: distribute }, // the simulator's default capture lines
];

const SUCCESS: Scenario = {
  name: 'success',
  description: 'Ubuntu 24.04 template, two shell customizers, a managed image and a gallery version: a ~19 s build that succeeds',
  template: {
    ...ubuntuTemplate('ubuntu2404-web'),
    phases: [{ subState: 'Queued', durationMs: 1000 }, building(4000), customizing(8000), ...tail(1500, 1500, 3000)],
  },
  with: { timeout: '2m' },
  expect: {
    conclusion: 'success',
    runStateOutput: 'Succeeded',
    finalRunState: 'Succeeded',
    cancelRequested: false,
    artifact: true,
    logIncludes: ['Customizing', 'Setting up nginx'],
    post: true,
  },
};

const FAILURE: Scenario = {
  name: 'failure',
  description: 'the second shell customizer fails (apt cannot find a package): the build fails and its log says why',
  template: {
    ...ubuntuTemplate('ubuntu2404-broken'),
    phases: [
      { subState: 'Queued', durationMs: 500 },
      building(2500),
      {
        subState: 'Customizing',
        durationMs: 4000,
        lines: [
          'PACKER OUT ==> azure-arm: Provisioning with shell script: /tmp/packer-shell2637519620',
          'PACKER OUT     azure-arm: Hit:1 http://azure.archive.ubuntu.com/ubuntu noble InRelease',
          'PACKER OUT     azure-arm: Reading package lists...',
          'PACKER OUT     azure-arm: Setting up jq (1.7.1-3build1) ...',
          'PACKER OUT ==> azure-arm: Provisioning with shell script: /tmp/packer-shell1984001477',
          'PACKER OUT     azure-arm: Reading package lists...',
          'PACKER OUT     azure-arm: Building dependency tree...',
        ],
      },
      ...tail(500, 500, 1000),
    ],
    outcome: 'Failed',
    failure: {
      atSubState: 'Customizing',
      lines: [
        'PACKER ERR     azure-arm: E: Unable to locate package nginx-extras-lts',
        'PACKER ERR ==> azure-arm: Script exited with non-zero exit status: 100. Allowed exit codes are: [0]',
        'PACKER ERR ==> azure-arm: Step "StepProvision" failed',
        'PACKER ERR ==> azure-arm: Deleting individual resources ...',
        "PACKER ERR Build 'azure-arm' errored after 1 minute 47 seconds: Script exited with non-zero exit status: 100. Allowed exit codes are: [0]",
        "PACKER ERR ==> Some builds didn't complete successfully and had errors:",
        'PACKER ERR --> azure-arm: Script exited with non-zero exit status: 100. Allowed exit codes are: [0]',
        'PACKER ERR ==> Builds finished but no artifacts were created.',
      ],
      // no message: the simulator's default names the log location, as the service does
    },
  },
  with: { timeout: '2m' },
  expect: {
    conclusion: 'failure',
    runStateOutput: 'Failed',
    finalRunState: 'Failed',
    cancelRequested: false,
    artifact: true,
    logIncludes: ['Unable to locate package nginx-extras-lts'],
    post: true,
  },
};

const TIMEOUT: Scenario = {
  name: 'timeout',
  description: "a 60 s build with the action's timeout at 6s: the action cancels the build and fails the step",
  template: {
    ...ubuntuTemplate('ubuntu2404-slow'),
    phases: [{ subState: 'Queued', durationMs: 500 }, building(2500), customizing(50_000), ...tail(2000, 2000, 3000)],
    cancel: { durationMs: 1500 },
  },
  with: { timeout: '6s', 'on-timeout': 'cancel' },
  expect: {
    conclusion: 'failure',
    runStateOutput: 'TimedOut',
    finalRunState: 'Canceled',
    cancelRequested: true,
    artifact: true,
    logIncludes: [],
    post: true,
  },
};

const CANCEL: Scenario = {
  name: 'cancel',
  description: 'the workflow is canceled mid-build (SIGINT, as the runner sends): the build is canceled and the post step runs',
  template: {
    ...ubuntuTemplate('ubuntu2404-canceled'),
    phases: [{ subState: 'Queued', durationMs: 500 }, building(2500), customizing(20_000), ...tail(2000, 2000, 3000)],
    cancel: { durationMs: 1500 },
  },
  with: { timeout: '2m' },
  cancel: { atSubState: 'Customizing', afterMs: 2500 },
  expect: {
    conclusion: 'cancelled',
    finalRunState: 'Canceled',
    cancelRequested: true,
    logIncludes: [],
    post: true,
  },
};

export const SCENARIOS: Record<ScenarioName, Scenario> = { success: SUCCESS, failure: FAILURE, timeout: TIMEOUT, cancel: CANCEL };

export function isScenarioName(s: string): s is ScenarioName {
  return Object.hasOwn(SCENARIOS, s);
}

/** A scenario's template under another name (several runs of one scenario in one simulator). */
export function templateOf(s: Scenario, name = s.template.name): TemplateScenario {
  return { ...s.template, name };
}
