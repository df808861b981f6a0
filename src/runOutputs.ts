/** Which run output feeds image-uri / image-id / vhd-uri. */
import type { RunOutputInfo, TemplateInfo } from './types.js';

/** Picks the run output that feeds image-uri / image-id / vhd-uri. */
export function selectRunOutput(
  outputs: RunOutputInfo[],
  template: TemplateInfo,
  wanted: string | undefined,
): { selected?: RunOutputInfo; error?: string } {
  if (wanted !== undefined) {
    const found = outputs.find((o) => o.name === wanted);
    if (found) return { selected: found };
    return {
      error: `run-output-name '${wanted}' is not among the run outputs of template '${template.name}' (${outputs.map((o) => o.name).join(', ') || 'none'}).`,
    };
  }
  const first = template.runOutputNames[0];
  const byTemplate = first !== undefined ? outputs.find((o) => o.name === first) : undefined;
  const selected = byTemplate ?? outputs[0];
  return selected ? { selected } : {};
}

export function isVhd(output: RunOutputInfo, template: TemplateInfo): boolean {
  const i = template.runOutputNames.indexOf(output.name);
  const type = i >= 0 ? template.distributeTypes[i] : undefined;
  if (type !== undefined && type !== '') return type.toUpperCase() === 'VHD';
  return !output.artifactId && !!output.artifactUri;
}
