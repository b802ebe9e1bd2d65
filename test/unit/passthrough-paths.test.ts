import { describe, expect, it } from 'vitest';
import { passthroughAllowed } from '../../src/routes/passthrough.js';
import { configSchema } from '../../src/config/schema.js';

describe('passthroughAllowed', () => {
  it('matches a listed path, the paths below it and nothing that only shares its letters', () => {
    const paths = ['/embeddings', '/audio/'];
    expect(passthroughAllowed(paths, '/embeddings')).toBe(true);
    expect(passthroughAllowed(paths, '/embeddings?api-version=1')).toBe(true);
    expect(passthroughAllowed(paths, '/audio/transcriptions')).toBe(true);
    expect(passthroughAllowed(paths, '/audio')).toBe(true);
    expect(passthroughAllowed(paths, '/audiobooks')).toBe(false);
    expect(passthroughAllowed(paths, '/embeddings-v2')).toBe(false);
    expect(passthroughAllowed(paths, '/files')).toBe(false);
    expect(passthroughAllowed(paths, '/files#/embeddings')).toBe(false);
  });

  it('forwards everything with "*" (the default) and nothing with an empty list', () => {
    expect(configSchema.parse({}).routing.passthroughPaths).toEqual(['*']);
    expect(passthroughAllowed(['*'], '/fine_tuning/jobs')).toBe(true);
    expect(passthroughAllowed([], '/embeddings')).toBe(false);
  });

  it('refuses entries that are not "*" or a path', () => {
    for (const bad of ['embeddings', '/files*', '/a?b', '']) {
      expect(configSchema.safeParse({ routing: { passthroughPaths: [bad] } }).success, bad).toBe(false);
    }
  });
});
