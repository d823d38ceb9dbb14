import type { BlockDef, PatternDef } from '../pattern.ts';

/** pip reports a missing distribution on two lines; they are one error, emitted on the second. */
export const PIP_RESOLVE: BlockDef = {
  id: 'pip.resolve',
  start: /^ERROR: Could not find a version that satisfies the requirement /,
  continue: /(?!)/,
  end: /^ERROR: No matching distribution found for /,
  maxLines: 2,
};

const NOT_FOUND_SUGGESTION = [
  "No release of '{package}' matches: check the name on pypi.org and that the container can reach PyPI (network and proxy settings)",
];

function pip(p: Omit<PatternDef, 'language' | 'severity'> & { severity?: PatternDef['severity'] }): PatternDef {
  return { language: 'pip', severity: 'error', ...p };
}

export const PIP_PATTERNS: readonly PatternDef[] = [
  pip({
    id: 'pip.no_matching_distribution',
    type: 'pip.NoMatchingDistribution',
    block: PIP_RESOLVE,
    match: /satisfies the requirement (?<package>\S+)(?: \(from versions: (?<versions>[^)]*)\))?/,
    message: ['No matching distribution for {package} (from versions: {versions})', 'No matching distribution for {package}'],
    suggestion: NOT_FOUND_SUGGESTION,
    examples: ['ERROR: Could not find a version that satisfies the requirement nonexistent-zeblit-pkg (from versions: none)'],
  }),
  pip({
    // Seen alone when the first line was cut off or printed by another pip version.
    id: 'pip.no_matching_distribution.line',
    type: 'pip.NoMatchingDistribution',
    match: /^ERROR: No matching distribution found for (?<package>\S+)/,
    hint: 'No matching distribution',
    message: 'No matching distribution for {package}',
    suggestion: NOT_FOUND_SUGGESTION,
    examples: ['ERROR: No matching distribution found for nonexistent-zeblit-pkg'],
  }),
  pip({
    id: 'pip.externally_managed',
    type: 'pip.ExternallyManagedEnvironment',
    match: /^error: externally-managed-environment$/,
    hint: 'externally-managed',
    message: 'pip refuses to install into the system Python (externally-managed-environment, PEP 668)',
    suggestion: 'Use a virtual environment (python3 -m venv .venv && .venv/bin/pip install ...), or pip install --user --break-system-packages inside the container',
    examples: ['error: externally-managed-environment'],
  }),
  pip({
    id: 'pip.requirements_not_found',
    type: 'pip.RequirementsFileNotFound',
    match: /^ERROR: Could not open requirements file: .*No such file or directory: '(?<file>[^']+)'/,
    hint: 'requirements file',
    message: 'Requirements file not found: {file}',
    suggestion: '{file} does not exist in the working directory: create it or pass its path to pip install -r',
    examples: ["ERROR: Could not open requirements file: [Errno 2] No such file or directory: 'requirements.txt'"],
  }),
  pip({
    id: 'pip.build_failed',
    type: 'pip.BuildFailed',
    match: /^(?:error: (?<code>metadata-generation-failed|subprocess-exited-with-error|legacy-install-failure)|ERROR: Failed building wheel for (?<package>\S+))$/,
    message: ['Building {package} failed', 'A package failed to build ({code})'],
    suggestion: 'The package build failed (see the output above it): a missing system library or compiler (apt-get install build-essential and the -dev package), or a version without wheels for this Python',
    examples: ['error: metadata-generation-failed', 'ERROR: Failed building wheel for psycopg2'],
  }),
  pip({
    id: 'pip.conflict',
    type: 'pip.ResolutionImpossible',
    match: /^ERROR: (?:ResolutionImpossible|Cannot install (?<detail>.+) because these package versions have conflicting dependencies)/,
    hint: 'ERROR: ',
    message: ['Conflicting dependencies: {detail}', 'Conflicting dependencies (ResolutionImpossible)'],
    suggestion: 'Loosen the pinned versions in requirements.txt so one set satisfies all of them',
    examples: ['ERROR: Cannot install flask==1.0 and werkzeug==3.0 because these package versions have conflicting dependencies.'],
  }),
  pip({
    id: 'pip.os_error',
    type: 'pip.InstallFailed',
    match: /^ERROR: Could not install packages due to an (?<kind>\w+): (?<detail>.+)$/,
    hint: 'Could not install packages',
    message: 'Could not install packages: {detail}',
    suggestion: 'pip could not write the files ({kind}): check permissions and free disk space, or install with --user',
    examples: ["ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied: '/usr/lib/python3'"],
  }),
  pip({
    id: 'pip.network_retry',
    type: 'pip.NetworkRetry',
    severity: 'warning',
    match: /^WARNING: Retrying \(Retry\(total=\d+.*\)\) after connection broken by '(?<reason>.*)': (?<path>\S+)$/,
    hint: 'WARNING: Retrying',
    message: 'pip cannot reach the package index, retrying {path}',
    suggestion: "The container cannot reach PyPI: check the project's network setting (bridge) and any proxy",
    examples: [
      "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError(...)': /simple/flask/",
    ],
  }),
  pip({
    // pip's other diagnostics ("error: <kebab-case-code>").
    id: 'pip.diagnostic',
    type: 'pip.Error',
    match: /^error: (?<code>[a-z]+(?:-[a-z]+)+)$/,
    hint: 'error: ',
    message: 'pip error: {code}',
    suggestion: 'pip failed with {code}: see the lines after it',
    examples: ['error: resolution-too-deep'],
  }),
];
