/**
 * `mote enroll <name>`: broker credentials for a device (or, with --operator, an operator) and
 * the mosquitto ACL lines that say what it may do (bundler/enroll/). A password goes into a
 * mosquitto password file as a hash; a client certificate is signed by the operator's CA.
 */
import { MoteError } from '../../../agent/src/errors.ts';
import { deviceAclLines, natsUserEntry, operatorAclLines } from '../../enroll/acl.ts';
import { checkEnrollName, enrollCertificate, enrollPassword, natsPasswordHash } from '../../enroll/credentials.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { existingPath, integerOption, onePositional, outputPath, parseCommandLine } from '../options.ts';

const HELP = `usage: mote enroll <name> --password-file FILE [--operator]
       mote enroll <name> --ca CA.pem --ca-key CA.key [--out DIR] [--days N] [--operator]

Makes broker credentials for the device <name> (its device id) or, with --operator, for an
operator (the mote CLI, mote serve), and prints the ACL lines to add to mosquitto's acl_file
and the user entry with the same permissions for a NATS server's authorization block:
  --password-file FILE   add a random password's hash to this mosquitto password file (made
                         if missing) with mosquitto_passwd, print the password once, and its
                         bcrypt hash in the NATS entry
  --ca, --ca-key         sign a client certificate with CN=<name> by this CA (openssl); the key
                         and certificate go to DIR (--out, default .) as <name>.key and <name>.pem
  --days N               the certificate's lifetime (default 825)
See docs/security.md for the broker configuration.`;

export const enrollCommand: Command = {
  name: 'enroll',
  summary: 'make broker credentials for a device or operator and print its ACL lines',
  async run(argv) {
    const { values, positionals } = parseCommandLine(
      argv,
      { help: { type: 'boolean', short: 'h' }, 'password-file': { type: 'string' }, ca: { type: 'string' }, 'ca-key': { type: 'string' }, out: { type: 'string' }, days: { type: 'string' }, operator: { type: 'boolean' } },
      true,
    );
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    let name: string;
    try {
      name = checkEnrollName(onePositional(positionals, 'the device id (or operator name) <name>'));
    } catch (error) {
      if (error instanceof UsageError || !(error instanceof MoteError)) throw error;
      throw new UsageError(error.message);
    }
    const passwordFile = values['password-file'];
    const usesCa = values.ca !== undefined || values['ca-key'] !== undefined;
    if ((passwordFile === undefined) === !usesCa) throw new UsageError('give either --password-file FILE or --ca CA.pem --ca-key CA.key');
    const aclLines = values.operator ? operatorAclLines(name) : deviceAclLines(name);
    const role = values.operator ? 'operator' : 'device';
    let natsEntry: string;
    if (passwordFile !== undefined) {
      for (const option of ['out', 'days'] as const) if (values[option] !== undefined) throw new UsageError(`--${option} goes with --ca, not --password-file`);
      outputPath('--password-file', passwordFile);
      const password = enrollPassword(name, passwordFile);
      console.log(`${name}: password added to ${passwordFile}\n  username ${name}\n  password ${password}\n(shown once; put both in the agent's config: "username", "password")`);
      natsEntry = `NATS: this entry in authorization { users: [...] }, with the same password as a bcrypt hash:\n${natsUserEntry(name, role, natsPasswordHash(password))}`;
    } else {
      if (values.ca === undefined || values['ca-key'] === undefined) throw new UsageError('--ca and --ca-key go together: the CA certificate and its key');
      const ca = { cert: existingPath('--ca', values.ca), key: existingPath('--ca-key', values['ca-key']) };
      const out = existingPath('--out', values.out ?? '.', 'folder');
      const days = integerOption('days', values.days ?? '825', 1);
      const pair = enrollCertificate(name, ca, out, days);
      console.log(`${name}: client certificate ${pair.cert} (CN=${name}), key ${pair.key}\n(the agent: --cert ${pair.cert} --key ${pair.key} --ca <the broker's CA>)`);
      natsEntry = `NATS: enroll ${name} with --password-file for a NATS broker; its entry in authorization { users: [...] } has these permissions:\n${natsUserEntry(name, role, '<bcrypt hash>')}`;
    }
    console.log(`ACL lines for mosquitto's acl_file:\n${aclLines.join('\n')}`);
    console.log(natsEntry);
    return 0;
  },
};
