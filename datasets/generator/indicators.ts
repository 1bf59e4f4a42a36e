// The threat-intel list and the asset criticality map written next to the captures.
import type { CriticalityEntry } from './labels.ts';
import type { OfficeNetwork } from './network.ts';

/** Indicators the threat-intel incidents touch. */
export const IOC_ADDRESS = '192.0.2.166';
export const IOC_DOMAIN = 'evil-cdn.example';
export const IOC_CIDR = '198.51.100.192/27';
/** an address inside IOC_CIDR */
export const IOC_CIDR_MEMBER = '198.51.100.201';

export function iocFileText(): string {
  return [
    '# Indicators of compromise: one per line — an IPv4/IPv6 address, a CIDR, or a domain',
    '# (a domain also matches its subdomains). Blank lines and text after # are ignored.',
    '',
    '# command-and-control infrastructure',
    IOC_ADDRESS,
    IOC_CIDR,
    IOC_DOMAIN,
    '',
    '# indicators that do not occur in this dataset',
    '192.0.2.250',
    '203.0.113.224/28',
    'malware-drop.example  # reported by a partner CERT',
    '2001:db8:bad::/48',
    '',
  ].join('\n');
}

export function criticalityEntries(net: OfficeNetwork): CriticalityEntry[] {
  return [
    { cidr: `${net.fileServer.ip}/32`, criticality: 'critical', name: net.fileServer.name },
    { cidr: `${net.backupServer.ip}/32`, criticality: 'high', name: net.backupServer.name },
    { cidr: `${net.resolver.ip}/32`, criticality: 'high', name: net.resolver.name },
    { cidr: `${net.gateway.ip}/32`, criticality: 'high', name: net.gateway.name },
    { cidr: `${net.appServer.ip}/32`, criticality: 'medium', name: net.appServer.name },
    { cidr: net.localNet, criticality: 'low', name: 'office LAN' },
  ];
}
