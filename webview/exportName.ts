// File names suggested for exports; titles come from snapshot class names (untrusted).

/** Safe file name for an export: letters, digits, dot, dash, underscore; at most 60 characters before the extension. */
export function exportFileName(title: string, ext: string): string {
  const base = title.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 60) || 'retention-graph';
  return `${base}.${ext}`;
}
