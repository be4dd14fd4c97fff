import { describe, expect, test } from 'vitest';

import { sampleScan } from './__fixtures__/scan.js';
import { renderScanTable } from './vulnerabilities-table.js';

describe('scan table', () => {
  test('the header names target, OS and totals by severity', () => {
    const lines = renderScanTable(sampleScan()).split('\n');
    expect(lines[0]).toMatch(/^Target: .* \| OS: debian 12 \(bookworm\)$/);
    expect(lines[1]).toBe('Total: 4 (CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 0, UNKNOWN: 1)');
  });

  test('OS packages come first, then each ecosystem, each with its own total', () => {
    const text = renderScanTable(sampleScan());
    const os = text.indexOf('OS packages: debian 12 (bookworm) (deb)');
    const npm = text.indexOf('Node.js (npm)');
    expect(os).toBeGreaterThan(0);
    expect(npm).toBeGreaterThan(os);
  });

  test('rows carry library, id, severity, status, installed and fixed versions', () => {
    const text = renderScanTable(sampleScan());
    expect(text).toContain('LIBRARY');
    expect(text).toMatch(
      /\| zlib1g +\| CVE-2023-45853 +\| CRITICAL +\| will_not_fix +\| 1:1\.2\.13\.dfsg-1 +\| +\|/,
    );
  });

  test('the layer summary counts findings per layer', () => {
    expect(renderScanTable(sampleScan())).toMatch(
      /Layers:\n {2}1 7a1e8b5b8b4a.*: 1 vulnerabilities/,
    );
  });

  test('control characters from advisories never reach the terminal', () => {
    expect(renderScanTable(sampleScan())).not.toContain('\u001b');
  });

  test('a clean scan says so', () => {
    expect(renderScanTable({ ...sampleScan(), findings: [] })).toContain(
      'No vulnerabilities found.',
    );
  });

  test('150 000 findings are all drawn, long titles wrapped', () => {
    const scan = sampleScan();
    const [template] = scan.findings;
    if (template === undefined) throw new TypeError('fixture is empty');
    scan.findings = Array.from({ length: 150_000 }, (_, i) => ({
      ...template,
      id: `CVE-2024-${String(i).padStart(6, '0')}`,
      title: `A flaw number ${i} in a library that many images carry, told in more than sixty columns`,
    }));
    const text = renderScanTable(scan);
    expect(text.match(/\| CVE-2024-\d{6} /g)).toHaveLength(150_000);
    expect(text).toMatch(/\| A flaw number 149999 in a library that many images carry, +\|\n/);
  });
});
