// Model version names: they become folder names under the models directory and appear in URLs,
// audit targets and records, so every place a version enters checks it against one pattern.
// `spanwatch train` names versions v<YYYYMMDD>-<HHMM>-<hash8>; any name of letters, digits, '.',
// '_' and '-' that starts with a letter or digit is accepted (no '/', no '..' path segment).

export const MODEL_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isModelVersion(v: string): boolean {
  return MODEL_VERSION_PATTERN.test(v);
}

/** Throws, naming the value and the rule, unless `v` is a well-formed version name. */
export function checkModelVersion(v: string, where: string): string {
  if (!isModelVersion(v)) {
    throw new Error(`${where}: '${v.slice(0, 80)}' is not a model version name; versions are 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit (see \`spanwatch train --list\`)`);
  }
  return v;
}
