/**
 * The mbedTLS release the Yocto series build mote-agent against: 3.6.6, the only version in
 * wrynose's meta-networking and the default (highest) one in scarthgap's. Mote's own build pins
 * 2.28 (bundler/mbedtls.pin); the binding compiles against both. The source comes from Debian's
 * package of the same release (suite trixie) through this machine's Debian mirror, with a
 * project-local apt configuration as bundler/bootstrap.sh does, checked against its checksum and
 * kept in the cache.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashFile } from '../../bundler/build/content-cache.ts';
import { cacheDir } from '../../bundler/paths.ts';

export const SERIES_MBEDTLS = {
  version: '3.6.6',
  debianVersion: '3.6.6-0.1~deb13u1',
  suite: 'trixie',
  origSha256: '8fb65fae8dcae5840f793c0a334860a411f884cc537ea290ce1c52bb64ca007a',
};

const MIRROR = 'http://deb.debian.org/debian';

/** The unpacked, verified source folder of SERIES_MBEDTLS, fetched on first use. */
export function seriesMbedtlsSource(): string {
  const dir = join(cacheDir, 'mbedtls3');
  const src = join(dir, `mbedtls-${SERIES_MBEDTLS.version}`);
  if (existsSync(join(src, '.verified'))) return src;
  const find = () => readdirSync(dir).find((name) => name.startsWith(`mbedtls_${SERIES_MBEDTLS.version}.orig.tar.`));
  mkdirSync(join(dir, 'apt', 'lists', 'partial'), { recursive: true });
  mkdirSync(join(dir, 'apt', 'cache', 'archives', 'partial'), { recursive: true });
  if (!find()) {
    writeFileSync(join(dir, 'apt', 'sources.list'), `deb-src ${MIRROR} ${SERIES_MBEDTLS.suite} main\n`);
    const options = ['-o', `Dir::Etc::sourcelist=${join(dir, 'apt', 'sources.list')}`, '-o', 'Dir::Etc::sourceparts=/nonexistent', '-o', `Dir::State::Lists=${join(dir, 'apt', 'lists')}`, '-o', `Dir::Cache=${join(dir, 'apt', 'cache')}`, '-o', 'APT::Sandbox::User=root'];
    try {
      execFileSync('apt-get', ['-q', ...options, 'update'], { stdio: 'pipe' });
      execFileSync('apt-get', ['-q', ...options, 'source', '--download-only', `mbedtls=${SERIES_MBEDTLS.debianVersion}`], { cwd: dir, stdio: 'pipe' });
    } catch (error) {
      throw new Error(`fetching Debian's mbedtls ${SERIES_MBEDTLS.debianVersion} source (${SERIES_MBEDTLS.suite}) failed: ${String((error as { stderr?: Buffer }).stderr ?? error)}; check that 'apt-get update' works, or put mbedtls_${SERIES_MBEDTLS.version}.orig.tar.bz2 into ${dir}`);
    }
  }
  const tarball = join(dir, find()!);
  if (hashFile(tarball) !== SERIES_MBEDTLS.origSha256) {
    rmSync(tarball);
    throw new Error(`${tarball} does not match its checksum; removed it, run again to fetch it anew`);
  }
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  execFileSync('tar', ['-C', src, '--strip-components=1', '-xf', tarball]);
  writeFileSync(join(src, '.verified'), '');
  return src;
}
