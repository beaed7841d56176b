// A throwaway certificate authority made with the `openssl` command at test
// time: a root, and leaf certificates it signs for given names and dates
// (an expired one too). Keys are written mode 0600, as barrier requires.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Why the CA cannot be made here, or null.
export function opensslUnavailable() {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'needs openssl (apt-get install openssl)';
  }
}

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

// A new CA in `dir` (created). issue(name, { san, startdate, enddate })
// returns { cert, key } paths of a P-256 leaf for `san` (e.g.
// "IP:127.0.0.2"), valid for two days unless dates (YYYYMMDDHHMMSSZ) say.
export function makeCa(dir, commonName = 'barrier test CA') {
  mkdirSync(path.join(dir, 'issued'), { recursive: true });
  const cert = path.join(dir, 'ca.pem');
  const key = path.join(dir, 'ca.key');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-subj', `/CN=${commonName}`, '-days', '3',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), '1000\n');
  writeFileSync(path.join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt',
    'new_certs_dir = $dir/issued', 'certificate = $dir/ca.pem', 'private_key = $dir/ca.key',
    'serial = $dir/serial', 'default_md = sha256', 'policy = any', 'unique_subject = no',
    'copy_extensions = none', '[any]', 'commonName = supplied', '',
  ].join('\n'));
  return {
    cert,
    issue(name, { san, startdate = null, enddate = null }) {
      const leafKey = path.join(dir, `${name}.key`);
      const csr = path.join(dir, `${name}.csr`);
      const leaf = path.join(dir, `${name}.pem`);
      const ext = path.join(dir, `${name}.ext`);
      openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', leafKey, '-out', csr, '-subj', `/CN=${name}`]);
      chmodSync(leafKey, 0o600);
      writeFileSync(ext, `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
      const dates = startdate ? ['-startdate', startdate, '-enddate', enddate] : ['-days', '2'];
      openssl(['ca', '-batch', '-notext', '-config', path.join(dir, 'ca.cnf'), '-in', csr,
        '-out', leaf, '-extfile', ext, ...dates]);
      return { cert: leaf, key: leafKey };
    },
  };
}
