import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createScanContext } from '../../context.js';
import type { AnalysisResult, BufferAnalyzer } from '../../types.js';
import { gemfileLockCataloger, gemspecCataloger } from './ruby.js';
import { defineTextAnalyzer } from '../text-input.js';

const gemspec = defineTextAnalyzer(gemspecCataloger);
const gemfileLock = defineTextAnalyzer(gemfileLockCataloger);
const ctx = createScanContext();

function run(analyzer: BufferAnalyzer, path: string, text: string): Promise<AnalysisResult> {
  const content = Buffer.from(text);
  return analyzer.analyze({ path, size: content.length, mode: 0o100644, content }, ctx);
}

// As `Gem::Specification#to_ruby` (rubygems 3.4) writes it into specifications/ on install.
const rack = `# -*- encoding: utf-8 -*-
# stub: rack 3.0.8 ruby lib

Gem::Specification.new do |s|
  s.name = "rack".freeze
  s.version = "3.0.8"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "bug_tracker_uri" => "https://github.com/rack/rack/issues", "source_code_uri" => "https://github.com/rack/rack" } if s.respond_to? :metadata=
  s.require_paths = ["lib".freeze]
  s.authors = ["Leah Neukirchen".freeze]
  s.date = "2023-06-14"
  s.description = "Rack provides a minimal, modular and adaptable interface for developing\\nweb applications in Ruby.\\n  s.version = \\"9.9.9\\"".freeze
  s.email = "leah@vuxu.org".freeze
  s.homepage = "https://github.com/rack/rack".freeze
  s.licenses = ["MIT".freeze]
  s.required_ruby_version = Gem::Requirement.new(">= 2.4.0".freeze)
  s.rubygems_version = "3.4.10".freeze
  s.summary = "A modular Ruby webserver interface.".freeze

  s.installed_by_version = "3.4.10" if s.respond_to? :installed_by_version

  s.specification_version = 4

  s.add_development_dependency(%q<minitest>.freeze, ["~> 5.0".freeze])
end
`;

describe('gemspec', () => {
  it('wants gemspecs inside a specifications directory only', () => {
    const wants = (path: string) => gemspec.wants({ path, size: 1, mode: 0o100644 });
    expect(wants('usr/local/bundle/specifications/rack-3.0.8.gemspec')).toBe(true);
    expect(wants('var/lib/gems/3.1.0/specifications/default/json-2.6.1.gemspec')).toBe(true);
    expect(wants('usr/lib/ruby/specifications/default/sub/x.gemspec')).toBe(false);
    expect(wants('app/rack.gemspec')).toBe(false);
  });

  it('reads name, version and licenses from a rubygems-written specification', async () => {
    const result = await run(gemspec, 'usr/local/bundle/specifications/rack-3.0.8.gemspec', rack);
    expect(result).toEqual({
      packages: [{ type: 'gem', name: 'rack', version: '3.0.8', licenses: ['MIT'] }],
    });
  });

  it('reads Gem::Version.new, %q literals, several licenses and a platform', async () => {
    const text = `Gem::Specification.new do |spec|
  spec.name = %q{nokogiri}
  spec.version = Gem::Version.new("1.15.4")
  spec.platform = "x86_64-linux".freeze
  spec.licenses = ["MIT".freeze, 'Apache-2.0']
end
`;
    const result = await run(
      gemspec,
      'gems/specifications/nokogiri-1.15.4-x86_64-linux.gemspec',
      text,
    );
    expect(result.packages).toEqual([
      {
        type: 'gem',
        name: 'nokogiri',
        version: '1.15.4',
        licenses: ['MIT', 'Apache-2.0'],
        metadata: { platform: 'x86_64-linux' },
      },
    ]);
  });

  it('never evaluates Ruby code: computed values are ignored and the gem is skipped with a warning', async () => {
    const marker = join(tmpdir(), `moat-gemspec-pwned-${process.pid}`);
    const text = `Gem::Specification.new do |s|
  system("touch ${marker}")
  s.name = "evil#{\`touch ${marker}\`}"
  s.version = File.read("VERSION").strip
  s.licenses = [\`touch ${marker}\`]
end
`;
    const result = await run(gemspec, 'specifications/evil-1.0.gemspec', text);
    expect(result).toEqual({
      warnings: [
        'specifications/evil-1.0.gemspec: no literal name and version (gemspec code is never evaluated)',
      ],
    });
    expect(existsSync(marker)).toBe(false);
  });
});

const lock = `GIT
  remote: https://github.com/rails/rails.git
  revision: 4b5c1e3a8d0e3f9d0f8d6a1a9d7c3f3c5b1e9a77
  branch: main
  specs:
    activesupport (7.2.0.alpha)
      concurrent-ruby (~> 1.0, >= 1.0.2)

PATH
  remote: .
  specs:
    myapp (0.1.0)
      rack (>= 2)

GEM
  remote: https://rubygems.org/
  specs:
    concurrent-ruby (1.2.2)
    mini_portile2 (2.8.4)
    nokogiri (1.15.4-arm64-darwin)
      racc (~> 1.4)
    nokogiri (1.15.4-x86_64-linux)
      racc (~> 1.4)
    racc (1.7.1)
    rack (3.0.8)

PLATFORMS
  arm64-darwin-22
  x86_64-linux

DEPENDENCIES
  activesupport!
  myapp!
  nokogiri (~> 1.15)

BUNDLED WITH
   2.4.19
`;

describe('Gemfile.lock', () => {
  it('reads GEM and GIT specs, not their dependency lines nor PATH gems, keeping platforms in metadata', async () => {
    const result = await run(gemfileLock, 'app/Gemfile.lock', lock);
    const meta = { lockfile: 'Gemfile.lock' };
    expect(result).toEqual({
      packages: [
        {
          type: 'gem',
          name: 'activesupport',
          version: '7.2.0.alpha',
          licenses: [],
          metadata: { ...meta, source: 'git' },
        },
        { type: 'gem', name: 'concurrent-ruby', version: '1.2.2', licenses: [], metadata: meta },
        { type: 'gem', name: 'mini_portile2', version: '2.8.4', licenses: [], metadata: meta },
        {
          type: 'gem',
          name: 'nokogiri',
          version: '1.15.4',
          licenses: [],
          metadata: { ...meta, platform: 'arm64-darwin,x86_64-linux' },
        },
        { type: 'gem', name: 'racc', version: '1.7.1', licenses: [], metadata: meta },
        { type: 'gem', name: 'rack', version: '3.0.8', licenses: [], metadata: meta },
      ],
    });
  });

  it('warns when the file has no GEM section', async () => {
    const result = await run(gemfileLock, 'Gemfile.lock', '{"not": "a lockfile"}');
    expect(result).toEqual({ warnings: ['Gemfile.lock: not a Gemfile.lock (no GEM section)'] });
  });

  it('caps the number of packages per file', async () => {
    const small = defineTextAnalyzer(gemfileLockCataloger, { maxPackagesPerFile: 2 });
    const result = await run(small, 'Gemfile.lock', lock);
    expect(result.packages?.map((p) => p.name)).toEqual(['activesupport', 'concurrent-ruby']);
    expect(result.warnings).toEqual(['Gemfile.lock: more than 2 packages; the rest skipped']);
  });
});

describe('gemspec on Ruby default gems (test/fixtures/data/ruby)', () => {
  const fixtures = join(import.meta.dirname, '../../../../test/fixtures/data/ruby');
  const defaultDir = 'usr/lib/ruby/gems/3.1.0/specifications/default';

  it.each([
    ['json-2.6.1.gemspec', 'json', '2.6.1', ['Ruby']],
    ['bundler-2.3.7.gemspec', 'bundler', '2.3.7', ['MIT']],
    ['openssl-3.0.1.gemspec', 'openssl', '3.0.1', ['Ruby']],
  ])('reports %s as a default gem, as `gem list` does', async (file, name, version, licenses) => {
    const path = `${defaultDir}/${file}`;
    expect(gemspec.wants({ path, size: 1, mode: 0o100644 })).toBe(true);
    const text = readFileSync(join(fixtures, file), 'latin1');
    const result = await run(gemspec, path, text);
    expect(result.warnings).toBeUndefined();
    expect(result.packages).toEqual([
      { type: 'gem', name, version, licenses, metadata: { defaultGem: true } },
    ]);
  });
});
