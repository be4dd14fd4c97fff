import { describe, expect, test } from 'vitest';

import { registryAllowed } from './registries.js';

describe('registryAllowed', () => {
  test('matches hosts exactly, ports included, case-insensitively', () => {
    expect(registryAllowed('127.0.0.1:5000', ['127.0.0.1:5000'])).toBe(true);
    expect(registryAllowed('127.0.0.1:5001', ['127.0.0.1:5000'])).toBe(false);
    expect(registryAllowed('Registry.Example.com', ['registry.example.com'])).toBe(true);
    expect(registryAllowed('docker.io', [])).toBe(false);
  });

  test('a wildcard matches names below the domain, never the domain itself or a look-alike', () => {
    const patterns = ['*.example.com'];
    expect(registryAllowed('eu.example.com', patterns)).toBe(true);
    expect(registryAllowed('a.b.example.com', patterns)).toBe(true);
    expect(registryAllowed('example.com', patterns)).toBe(false);
    expect(registryAllowed('evilexample.com', patterns)).toBe(false);
  });
});
