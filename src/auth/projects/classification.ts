/**
 * Label-based access: an image whose config carries `moat.classification` may be pulled only by
 * members granted every classification it names. The label is untrusted image content: it is
 * read leniently (trimmed, lower-cased, several values separated by commas) and bounded.
 */

/** The image config label that classifies an image. */
export const classificationLabel = 'moat.classification';
/** Most classifications one label may name; a label naming more is refused whole. */
const maxLabelClassifications = 16;
const maxLabelLength = 1024;

/**
 * The classifications an image with these config labels requires (empty: none). A label that is
 * too long or names too many yields one unmatchable classification, so that only system
 * administrators receive the image.
 *
 * @example requiredClassifications({ 'moat.classification': 'Restricted' }) // ['restricted']
 */
export function requiredClassifications(labels: Readonly<Record<string, string>>): string[] {
  const value = Object.hasOwn(labels, classificationLabel)
    ? labels[classificationLabel]
    : undefined;
  if (typeof value !== 'string') return [];
  const parts = value
    .slice(0, maxLabelLength + 1)
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '');
  if (value.length > maxLabelLength || parts.length > maxLabelClassifications) {
    return ['(oversized moat.classification label)'];
  }
  return [...new Set(parts)];
}
