/**
 * What a line of a failed build says about its cause: how much it weighs as the cause (an explicit error code
 * beats packer's generic verdict), the cause family it belongs to, and that family's one-line fix.
 * Pure functions over one cleaned line; no state, so a scan over a 1 GiB log stays line by line.
 */

export interface HintContext {
  /** The template has `vmProfile.vnetConfig` (the build VM sits in the user's own network). */
  hasVnetConfig?: boolean;
  /** The run stopped while distributing. */
  distributing?: boolean;
}

export interface Rating {
  score: number;
  family?: string;
  /** Where in the line the family or error code was found (to keep it when a long line is shortened). */
  at: number;
}

interface Family {
  id: string;
  /** Names the cause in a title. */
  label: string;
  test: RegExp;
  /** Weight of a line of this family; an ARM error line (`ERROR: -> Code : ...`) of it weighs more. */
  score: number;
  hint: (line: string, ctx: HintContext) => string | undefined;
}

const PRIVATE_HOST =
  /\b(10(?:\.\d{1,3}){3}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|192\.168(?:\.\d{1,3}){2}|[\w-]+(?:\.[\w-]+)*\.(?:internal|local|lan|corp|privatelink\.[\w.-]+))\b/i;
/** The builder's own connection to the build VM (SSH 22, WinRM 5985/5986), as opposed to a script reaching out. */
const COMMUNICATOR = /\b(SSH|WinRM)\b|:(22|5985|5986)\b/;
const UNREACHABLE =
  /\b(i\/o timeout|timed? ?out|connection refused|refused|unreachable|Unable to connect|Failed to connect|could not resolve|Could not connect)\b/i;

const quoted = (line: string, re: RegExp): string | undefined => re.exec(line)?.[1];

const FAMILIES: Family[] = [
  {
    id: 'policy',
    label: 'Azure Policy denied the build',
    test: /RequestDisallowedByPolicy|disallowed by policy|policy violation/i,
    score: 85,
    hint: () =>
      'An Azure Policy denied a resource of the build: ask for an exemption for the staging resource group, or set stagingResourceGroup to a group the policy allows (the policy assignment is named in the full error).',
  },
  {
    id: 'container-quota',
    label: 'Azure Container Instances quota',
    test: /Container Instances quota|Too many Azure Container Instances/i,
    score: 85,
    hint: () => 'Request more Azure Container Instances quota for the region, or run fewer image builds at once.',
  },
  {
    id: 'vcpu-quota',
    label: 'vCPU quota exceeded',
    test: /QuotaExceeded|exceeding (?:approved )?\w* ?(?:quota|Cores quota)|quota limits? of/i,
    score: 85,
    hint: (line) => {
      const fam = quoted(line, /(?:limit of|approved) (\w+?)(?:Family)? Cores/i);
      return `Request more vCPU quota${fam ? ` for ${fam} family` : ''} in the build region (Azure portal: Quotas), or set vmProfile.vmSize to a VM family with free quota.`;
    },
  },
  {
    id: 'vm-size',
    label: 'VM size not available',
    test: /SkuNotAvailable|requested (?:VM )?size .* not available|is not available in (?:the )?location/i,
    score: 85,
    hint: () => 'That VM size cannot be used in the build region: set vmProfile.vmSize to a size offered there.',
  },
  {
    id: 'generation',
    label: 'Hyper-V generation mismatch',
    test: /Hypervisor Generation|Hyper-V (?:Generation|Version)|Generation 2 Hypervisor|cannot boot Hypervisor/i,
    score: 85,
    hint: () =>
      "Match the generations: a Gen2 source image needs a Gen2-capable vmProfile.vmSize, and a gallery image definition's hyperVGeneration must equal the source image's.",
  },
  {
    id: 'provider',
    label: 'Resource provider not registered',
    test: /not registered (?:for|to use)|MissingSubscriptionRegistration|provider not registered/i,
    score: 85,
    hint: (line) => {
      const ns = quoted(line, /namespace '([\w.]+)'/) ?? (/Container Instances/i.test(line) ? 'Microsoft.ContainerInstance' : undefined);
      return `Register the resource provider in the subscription: az provider register -n ${ns ?? '<namespace>'} (and wait for Registered).`;
    },
  },
  {
    id: 'authorization',
    label: 'Missing permission',
    test: /AuthorizationFailed|LinkedAuthorizationFailed|AuthorizationPermissionMismatch|does(?:n't| not) have authorization to perform action|Not authorized to access|identity has the correct permissions/i,
    score: 85,
    hint: (line) => {
      const action = quoted(line, /perform action '([^']+)'/);
      return action
        ? `Grant the identity named there a role that allows '${action}' on that scope (az role assignment create --assignee <principal> --role <role> --scope <scope>).`
        : "Grant the template's user-assigned identity a role on that resource (for example Contributor, or a custom role with the actions the build needs).";
    },
  },
  {
    id: 'jwt-timeout',
    label: 'buildTimeoutInMinutes too short',
    test: /client_jwt will expire/i,
    score: 85,
    hint: () => 'buildTimeoutInMinutes is set to 1-5 minutes: set it to 0 (the default, 240) or to 6 or more.',
  },
  {
    id: 'build-timeout',
    label: 'Build timed out',
    test: /context deadline exceeded|Timeout waiting for microservice/i,
    score: 80,
    hint: (_line, ctx) =>
      ctx.distributing
        ? 'The build ran out of time waiting for the image to replicate: raise buildTimeoutInMinutes (the replication itself goes on).'
        : 'The build ran past buildTimeoutInMinutes: raise it in the template (default 240, up to 960), or make the slow step faster.',
  },
  {
    id: 'restart-timeout',
    label: 'Restart timed out',
    test: /Timeout waiting for machine to restart/i,
    score: 80,
    hint: () =>
      "The VM did not come back from its restart in time: raise the WindowsRestart customizer's restartTimeout (for example 30m).",
  },
  {
    id: 'connection-lost',
    label: 'Connection to the build VM lost',
    test: /Remote command exited without exit status|errored: unexpected EOF|connection reset by peer|wsarecv/i,
    score: 80,
    hint: () =>
      'The connection to the build VM was cut (a reboot, or a firewall/SSH/WinRM change made by the script, or a VM too small for the work): reboot with a WindowsRestart customizer (Linux: a Shell step that reboots as its last command), keep port 22 (SSH) or 5986 (WinRM) open, or use a larger vmProfile.vmSize.',
  },
  {
    id: 'communicator-timeout',
    label: 'Build VM unreachable',
    test: /Timeout waiting for (?:WinRM|SSH)|TCP connection to SSH ip\/port failed|dial tcp [\d.]+:(?:22|5985|5986)\b/i,
    score: 80,
    hint: (_line, ctx) =>
      ctx.hasVnetConfig
        ? "The service could not reach the build VM in your network: the subnet's network security group must let AzureLoadBalancer in on TCP 60000-60001 and VirtualNetwork to VirtualNetwork on 22 (Linux) or 5986 (Windows)."
        : 'The service could not reach the build VM over SSH/WinRM: use a larger vmProfile.vmSize (the default D1_v2 is slow to boot Windows), and make sure the image or a script does not disable or firewall SSH (22) / WinRM (5986).',
  },
  {
    id: 'apt-busy',
    label: 'apt busy (cloud-init still running)',
    test: /Could not get lock|dpkg frontend lock|Unable to acquire the dpkg|Could not open file \/var\/lib\/apt\/lists|dpkg was interrupted/i,
    score: 80,
    hint: () => 'apt ran while cloud-init or unattended upgrades were still running: wait first (cloud-init status --wait) before apt-get.',
  },
  {
    id: 'apt-package',
    label: 'apt package not found',
    test: /^E: (?:Unable to locate package|Package '.*' has no installation candidate)|Failed to fetch http/,
    score: 75,
    hint: () => 'apt could not find the package: run apt-get update first and check the package name for that distribution.',
  },
  {
    id: 'deprovision',
    label: 'Deprovisioning (sysprep / waagent) failed',
    test: /waagent: not found|DeprovisioningScript|Sysprep|IMAGE_STATE_UNDEPLOYABLE|WindowsAzureGuestAgent/i,
    score: 75,
    hint: () =>
      "The service's deprovisioning step (sysprep, or waagent -deprovision) failed: keep the Azure guest agent in the image, and on a small VM let it settle (a short sleep as the last customizer) or use a larger vmProfile.vmSize.",
  },
  {
    id: 'download',
    label: 'File download failed',
    test: /Error downloading|Downloading external file .* failed/i,
    score: 80,
    hint: () =>
      "A customizer's file could not be downloaded: check the URL, and give the template's identity read access to it (Storage Blob Data Reader) or use a reachable location.",
  },
  {
    id: 'not-found',
    label: 'Resource not found',
    test: /\bResourceNotFound\b|\bwas not found\b/i,
    score: 70,
    hint: () =>
      'A resource the build needs was not found: check that the source image (version) exists in the build region, and that the identity may read it.',
  },
  {
    id: 'exit-code',
    label: 'Script failed',
    test: /exited with code:? (?!0\b)\d+|non-zero exit status: \d+/i,
    score: 45,
    hint: (line) => {
      const code = quoted(line, /(?:exited with code:?|exit status:) (\d+)/i);
      if (code && ['1115', '1190', '1641', '3010'].includes(code)) {
        return `Exit code ${code} means a restart is pending or under way: end the script without restarting and add a WindowsRestart customizer after it.`;
      }
      return `The script failed${code ? ` with exit code ${code}` : ''}: its own error lines are above; fix that command, or (PowerShell) list the code in validExitCodes if it means success.`;
    },
  },
];

const BY_ID = new Map(FAMILIES.map((f) => [f.id, f]));

/** `ERROR: -> Code : message` (also nested `ERROR:   -> Code : message`), as packer prints ARM errors. */
const ARM_ERROR = /ERROR:\s+->\s*(\w+)\s*:\s*\S/;
/** An Azure error code in a JSON body or an SDK error (`"code":"X"`, `Code="X"`). */
const CODE_FIELD = /\\?"code\\?"\s*:\s*\\?"(\w+)|\bCode=\\?"(\w+)/;
/** Error codes that only wrap the real one (details follow). */
const WRAPPER_CODE = /^(DeploymentFailed|InvalidTemplateDeployment|ResourceDeploymentFailure|InternalOperationError|BadRequest|Conflict)$/;
/** Every line rateLine can weigh contains one of these. */
const MAYBE =
  /err|fail|fatal|denied|unable|cannot|can't|could not|not |timeout|timed? ?out|refused|unreachable|exit|quota|polic|regist|authori|generation|deadline|lock|Sysprep|waagent|IMAGE_STATE|GuestAgent|Deprovision|EOF|reset|wsarecv|jwt|download|Sku|exceed|^E: |code|\+ |Exception|Too many|Hyper-V|found|No such file|Permission|line \d+:/i;
const ERROR_WORDS = /\b(error|cannot|can't|could not|failed|failure|not found|exception|denied|unable|refused)\b/i;
/** Packer's generic verdicts: they say that something failed, rarely what. */
const VERDICT =
  /Script exited with non-zero exit status|Build '[^']+' errored|^--> [\w.-]+: |\d+ error\(s\) occurred|^Error: Failed to prepare build|Provisioning step had errors|Packer build command has failed/i;
/** Lines that look like errors but are not the cause: retried clean-up, cancellation echoes, packer's own bookkeeping. */
const NOT_A_CAUSE =
  /Error deleting|deleting individual resources|Retryable error|CannotBeDeleted|NicInUseWithPrivateEndpoint|machine readable:|Some builds didn't complete|Cancelling (?:build|builder|hook|provisioning)|Communicator ended with: 0\b|Running the cleanup provisioner|exited with code: 0\b|bytes written for|RPC (?:endpoint|client): Communicator ended|Packer exited with code/i;

function familyOf(line: string): { family: Family; at: number } | undefined {
  for (const f of FAMILIES) {
    const m = f.test.exec(line);
    if (m) return { family: f, at: m.index };
  }
  // A customizer (not the builder's own SSH/WinRM) reaching a private address and timing out or refused.
  const host = PRIVATE_HOST.exec(line);
  if (host && UNREACHABLE.test(line) && !COMMUNICATOR.test(line)) return { family: PRIVATE_ADDRESS, at: host.index };
  return undefined;
}

const PRIVATE_ADDRESS: Family = {
  id: 'private-address',
  label: 'Private address unreachable',
  test: /$^/,
  score: 75,
  hint: (line, ctx) => {
    const host = PRIVATE_HOST.exec(line)?.[1] ?? 'that address';
    return ctx.hasVnetConfig
      ? `The build VM could not reach ${host} from its subnet: check the route, DNS and network security group between them.`
      : `The build VM runs in a network the service creates and cannot reach private addresses such as ${host}: set vmProfile.vnetConfig (subnetId) to a subnet that can reach it.`;
  },
};
BY_ID.set(PRIVATE_ADDRESS.id, PRIVATE_ADDRESS);

/**
 * How much `line` (cleaned of its prefixes) weighs as the cause of a failure, or undefined when it says
 * nothing about one. `inStep`: the line is output of a running customizer (its own error lines count).
 */
export function rateLine(line: string, inStep = false): Rating | undefined {
  // Most lines of a log are plain output: one cheap test lets them through without the families' patterns.
  if (!MAYBE.test(line)) return undefined;
  const text = line.trim();
  if (text === '' || NOT_A_CAUSE.test(text)) return undefined;
  const arm = ARM_ERROR.exec(text);
  const code = CODE_FIELD.exec(text);
  const fam = familyOf(text);
  if (arm) {
    const generic = WRAPPER_CODE.test(arm[1] ?? '') && !fam;
    return { score: fam ? fam.family.score + 10 : generic ? 42 : 80, family: fam?.family.id, at: fam?.at ?? arm.index };
  }
  if (/ERROR:\s+->\s*\w+\s*$/.test(text)) return undefined; // `ERROR:   -> BadRequest` with nothing after it
  if (code) {
    const c = code[1] ?? code[2] ?? '';
    const generic = WRAPPER_CODE.test(c) && !fam;
    return { score: fam ? fam.family.score + 5 : generic ? 42 : 70, family: fam?.family.id, at: fam?.at ?? code.index };
  }
  if (fam) {
    // Packer's verdict naming a family (Timeout waiting for WinRM) weighs less than the same family's own line,
    // and a line of the family that reports an error more than one that only mentions its subject.
    const verdict = VERDICT.test(text.replace(/^==> /, ''));
    const bonus = verdict ? -5 : ERROR_WORDS.test(text) ? 5 : 0;
    return { score: fam.family.score + bonus, family: fam.family.id, at: fam.at };
  }
  if (VERDICT.test(text.replace(/^==> /, ''))) return { score: 30, at: 0 };
  // Packer's plugins tag what they saw go wrong.
  if (/^\[ERROR\]/.test(text)) return { score: 70, at: 0 };
  // PowerShell's error record decoration (`+ CategoryInfo ...`, `+ ~~~~`) comes after the message that matters.
  if (/^\s*\+ (?:CategoryInfo|FullyQualifiedErrorId)\b/.test(text)) return inStep ? { score: 35, at: 0 } : undefined;
  if (/^\s*\+ /.test(text)) return undefined;
  if (inStep && /^E: |^\S+: line \d+: |command not found|No such file or directory|Permission denied/.test(text))
    return { score: 60, at: 0 };
  if (inStep && /\b(error|fatal|failed|failure|exception|unable to|cannot|denied)\b/i.test(text)) return { score: 50, at: 0 };
  return undefined;
}

/** The one-line fix for a cause family, or undefined for an unknown family. */
export function hintFor(family: string | undefined, line: string, ctx: HintContext = {}): string | undefined {
  if (!family) return undefined;
  return BY_ID.get(family)?.hint(line, ctx);
}

/** Cheap first test: false means rateLine would find nothing in the line. */
export function mayRate(line: string): boolean {
  return MAYBE.test(line);
}

/** A few words naming a cause family, for a title. */
export function familyLabel(family: string | undefined): string | undefined {
  return family ? BY_ID.get(family)?.label : undefined;
}

/** The family of a free text (e.g. the service's message), without weighing it. */
export function familyOfText(text: string): string | undefined {
  return familyOf(text)?.family.id;
}
