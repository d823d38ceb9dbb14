import type { BlockDef, Fields, FrameSpec, PatternDef } from '../pattern.ts';

const FRAMES: FrameSpec = {
  regex: /^\s*File "(?<file>[^"]+)", line (?<line>\d+)/,
  // Stdlib, installed packages and synthetic files (<string>, <frozen ...>) are not the user's code.
  library: /(?:site|dist)-packages\/|\/lib\/python\d+(?:\.\d+)?\/|^</,
  pick: 'last',
};

/**
 * From "Traceback (most recent call last):" to the exception line: every line
 * in between is indented, the exception line is not. Emitted at that line.
 */
export const PYTHON_TRACEBACK: BlockDef = {
  id: 'python.traceback',
  start: /^\s*Traceback \(most recent call last\):\s*$/,
  continue: /^\s+\S/,
  // The exception line: a (dotted) class name, capitalised by convention and in every builtin.
  end: /^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?::(?: .*)?)?$/,
  requireEnd: true,
  relativeIndent: true,
  maxLines: 400,
  frames: FRAMES,
};

/** A syntax error in the main script has no "Traceback" header: `  File "x.py", line 2` starts it. */
export const PYTHON_SYNTAX: BlockDef = {
  id: 'python.syntax',
  start: /^ {2}File "(?<file>[^"]+)", line (?<line>\d+)$/,
  continue: /^ {4}/,
  end: /^(?:SyntaxError|IndentationError|TabError)\b/,
  requireEnd: true,
  maxLines: 8,
};

/** Import names that differ from their PyPI distribution name. */
const PIP_NAMES: Record<string, string> = {
  cv2: 'opencv-python',
  PIL: 'Pillow',
  yaml: 'PyYAML',
  sklearn: 'scikit-learn',
  bs4: 'beautifulsoup4',
  dotenv: 'python-dotenv',
  dateutil: 'python-dateutil',
  jwt: 'PyJWT',
  psycopg2: 'psycopg2-binary',
  MySQLdb: 'mysqlclient',
  serial: 'pyserial',
  attr: 'attrs',
  google: 'google-api-python-client',
  magic: 'python-magic',
  docx: 'python-docx',
  Crypto: 'pycryptodome',
  OpenSSL: 'pyOpenSSL',
  usb: 'pyusb',
  multipart: 'python-multipart',
};

/** `foo.bar` comes from the distribution of `foo`. */
export function pipPackageFor(module: string): string {
  const top = module.split('.')[0] ?? module;
  return PIP_NAMES[top] ?? top;
}

const withPackage = (f: Fields): Fields => (f.module ? { package: pipPackageFor(f.module) } : {});

/** One traceback pattern per exception of interest; the generic one closes the list. */
function tb(exception: string, rest: string, p: Omit<PatternDef, 'id' | 'type' | 'language' | 'severity' | 'block' | 'on' | 'match'>): PatternDef {
  return {
    id: `python.${exception}`,
    type: `python.${exception}`,
    language: 'python',
    severity: 'error',
    block: PYTHON_TRACEBACK,
    on: 'end',
    match: new RegExp(`^(?:\\w+\\.)*(?<exception>${exception}): ${rest}`),
    ...p,
  };
}

const SYNTAX_EXAMPLES = { SyntaxError: "'(' was never closed", IndentationError: 'unexpected indent', TabError: 'inconsistent use of tabs and spaces in indentation' } as const;

const SYNTAX_PATTERNS: PatternDef[] = (['SyntaxError', 'IndentationError', 'TabError'] as const).map((exception) => {
  const example = `${exception}: ${SYNTAX_EXAMPLES[exception]}`;
  const type = exception === 'TabError' ? 'IndentationError' : exception;
  const suggestion = type === 'SyntaxError' ? 'Fix the syntax at {file}:{line}: {detail}' : 'Fix the indentation at {file}:{line}: {detail} (do not mix tabs and spaces)';
  return [
    // Raised while importing a module: inside a traceback.
    { ...tb(exception, '(?<detail>.*)$', { suggestion, examples: [] }), id: `python.${exception}.traceback`, type: `python.${type}`, examples: [example] },
    {
      id: `python.${exception}`,
      type: `python.${type}`,
      language: 'python',
      severity: 'error',
      block: PYTHON_SYNTAX,
      on: 'end',
      match: new RegExp(`^(?<exception>${exception}): (?<detail>.*)$`),
      suggestion,
      examples: [example],
    } satisfies PatternDef,
  ];
}).flat();

export const PYTHON_PATTERNS: readonly PatternDef[] = [
  ...SYNTAX_PATTERNS,
  tb('ModuleNotFoundError', "No module named '(?<module>[^']+)'", {
    derive: withPackage,
    suggestion: ['Install it: pip install {package} (and add {package} to requirements.txt)'],
    examples: ["ModuleNotFoundError: No module named 'requests'"],
  }),
  tb('ImportError', "cannot import name '(?<name>[^']+)' from '(?<from>[^']+)'", {
    suggestion: "'{name}' does not exist in {from}: check the spelling, the installed version of {from}, or a circular import",
    examples: ["ImportError: cannot import name 'x' from 'os' (/usr/lib/python3.11/os.py)"],
  }),
  { ...tb('ImportError', '(?<detail>.*)$', { suggestion: 'Check that the module is installed and importable: {detail}', examples: ['ImportError: libGL.so.1: cannot open shared object file'] }), id: 'python.ImportError.other' },
  tb('NameError', "name '(?<name>[^']+)' is not defined(?:\\. Did you mean: '(?<did_you_mean>[^']+)'\\?)?", {
    suggestion: ["'{name}' is not defined at {file}:{line}: did you mean '{did_you_mean}'?", "'{name}' is not defined at {file}:{line}: define or import it before use, or fix the spelling"],
    examples: ["NameError: name 'tax' is not defined. Did you mean: 'max'?"],
  }),
  tb('AttributeError', "(?<detail>.*?has no attribute '(?<attribute>[^']+)')(?:\\. Did you mean: '(?<did_you_mean>[^']+)'\\?)?", {
    suggestion: ["{detail} at {file}:{line}: did you mean '{did_you_mean}'?", "{detail} at {file}:{line}: check the spelling and that the object is the type you expect (often None)"],
    examples: ["AttributeError: 'User' object has no attribute 'nmae'"],
  }),
  tb('TypeError', '(?<detail>.*)$', { suggestion: ['Check the types of the values used at {file}:{line}: {detail}', 'Check the types of the values: {detail}'], examples: ['TypeError: can only concatenate str (not "int") to str'] }),
  tb('KeyError', '(?<key>.*)$', {
    suggestion: ['Key {key} is missing at {file}:{line}: check it exists first or use .get({key}, default)', 'Key {key} is missing: check it exists first or use .get({key}, default)'],
    examples: ["KeyError: 'port'"],
  }),
  tb('ValueError', '(?<detail>.*)$', { suggestion: ['Validate the input before converting it at {file}:{line}: {detail}', 'Validate the input: {detail}'], examples: ["ValueError: invalid literal for int() with base 10: '12abc'"] }),
  tb('ZeroDivisionError', '(?<detail>.*)$', { suggestion: ['The divisor is zero at {file}:{line} (an empty list?): guard the division', 'The divisor is zero: guard the division'], examples: ['ZeroDivisionError: division by zero'] }),
  tb('FileNotFoundError', "\\[Errno 2\\] No such file or directory: '(?<path>[^']+)'", {
    suggestion: "'{path}' does not exist in the container: check the path (relative paths start at the working directory)",
    examples: ["FileNotFoundError: [Errno 2] No such file or directory: 'data.csv'"],
  }),
  tb('ConnectionRefusedError', '(?<detail>.*)$', { suggestion: 'Nothing listens at the address the code connects to: start that service or fix the host and port', examples: ['ConnectionRefusedError: [Errno 111] Connection refused'] }),
  tb('PermissionError', '(?<detail>.*)$', { suggestion: 'Permission denied: {detail}; check the file owner and mode in the container', examples: ["PermissionError: [Errno 13] Permission denied: '/etc/x'"] }),
  tb('RecursionError', '(?<detail>.*)$', { suggestion: 'Infinite recursion near {file}:{line}: check the base case', examples: ['RecursionError: maximum recursion depth exceeded'] }),
  {
    // Any other exception: the class name becomes the type (python.RuntimeError, python.PaymentDeclined).
    id: 'python.exception',
    type: 'python.{exception}',
    language: 'python',
    severity: 'error',
    block: PYTHON_TRACEBACK,
    on: 'end',
    match: /^(?:\w+\.)*(?<exception>[A-Z]\w*)(?:: (?<detail>.*))?$/,
    suggestion: ['{exception} raised at {file}:{line}: {detail}', '{exception} raised at {file}:{line}'],
    examples: ['PaymentDeclined: card declined for amount 42', 'KeyboardInterrupt'],
  },
  {
    // pytest prints a collection error's exception with an `E   ` prefix and no traceback header.
    id: 'python.ModuleNotFoundError.pytest',
    type: 'python.ModuleNotFoundError',
    language: 'python',
    severity: 'error',
    match: /^E\s+(?<exception>ModuleNotFoundError): No module named '(?<module>[^']+)'/,
    hint: 'ModuleNotFoundError',
    derive: withPackage,
    message: "ModuleNotFoundError: No module named '{module}'",
    suggestion: 'Install it: pip install {package} (and add {package} to requirements.txt)',
    examples: ["E   ModuleNotFoundError: No module named 'requests_zeblit'"],
  },
  {
    id: 'python.script_not_found',
    type: 'python.ScriptNotFound',
    language: 'python',
    severity: 'error',
    match: /^(?<prog>python[\d.]*): can't open file '(?<file>[^']+)': \[Errno 2\] No such file or directory$/,
    hint: "can't open file",
    message: "can't open file '{file}': no such file",
    suggestion: '{file} does not exist in the container: check the file name and the working directory',
    explainsExit: [2],
    examples: ["python3: can't open file '/workspace/missing.py': [Errno 2] No such file or directory"],
  },
  {
    id: 'python.warning',
    type: 'python.{category}',
    language: 'python',
    severity: 'warning',
    match: /^(?<file>\S+\.py):(?<line>\d+): (?<category>\w*Warning): (?<detail>.+)$/,
    hint: 'Warning: ',
    suggestion: '{category} at {file}:{line}: {detail}',
    examples: ['/workspace/app.py:3: DeprecationWarning: datetime.utcnow() is deprecated'],
  },
  {
    id: 'python.fatal_error',
    type: 'python.FatalError',
    language: 'python',
    severity: 'error',
    match: /^Fatal Python error: (?<detail>.+)$/,
    hint: 'Fatal Python error',
    suggestion: 'The interpreter crashed ({detail}): usually a C extension; check native package versions',
    explainsExit: [134, 139],
    examples: ['Fatal Python error: Aborted'],
  },
];
