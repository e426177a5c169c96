/**
 * Kubernetes naming rules (k8s.io/apimachinery/pkg/util/validation) and the one way this project turns
 * arbitrary text into a valid label value. Errors quote the rule so a rejected WFE says how to fix it.
 */
import { sha256Hex } from './hash';

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const LABEL_VALUE_MAX = 63;

export const DNS1123_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS1123_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

const DNS1123_LABEL = new RegExp(DNS1123_LABEL_PATTERN);
const DNS1123_SUBDOMAIN = new RegExp(DNS1123_SUBDOMAIN_PATTERN);
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const DNS1123_LABEL_RULE = `a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most ${DNS1123_LABEL_MAX} characters`;
export const DNS1123_SUBDOMAIN_RULE = `a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most ${DNS1123_SUBDOMAIN_MAX} characters`;

export function isDns1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(value);
}

export function isDns1123Subdomain(value: string): boolean {
  return value.length <= DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(value);
}

export function isLabelValue(value: string): boolean {
  return value.length <= LABEL_VALUE_MAX && LABEL_VALUE.test(value);
}

/**
 * Any text → a valid label value, deterministically. Characters a label value cannot hold become '_'
 * ('/' becomes "__", as upstream kubernaut does for target resources, so `ns/Kind/name` stays readable
 * and unambiguous: names never contain '_'). Values longer than 63 characters keep a readable prefix
 * and end with '-' + 8 hex characters of the SHA-256 of the full text, so two long values that share
 * a prefix still get different labels. Selecting by such a label is exact only for short values;
 * annotations carry the full text.
 */
export function toLabelValue(text: string): string {
  const cleaned = trimToAlphanumeric(text.replace(/\//g, '__').replace(/[^-A-Za-z0-9_.]/g, '_'));
  if (cleaned.length <= LABEL_VALUE_MAX && (cleaned !== '' || text === '')) return cleaned;
  const suffix = sha256Hex(text).slice(0, 8);
  const prefix = trimToAlphanumeric(cleaned.slice(0, LABEL_VALUE_MAX - suffix.length - 1));
  return prefix === '' ? suffix : `${prefix}-${suffix}`;
}

function trimToAlphanumeric(value: string): string {
  return value.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}
