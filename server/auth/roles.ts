// Who may do what. Human roles are ordered; `sensor` stands apart and may only ingest.
import type { Role } from '../protocol.ts';

/** What a route needs: a minimum human role, the sensor role, or nothing. */
export type Access = 'public' | 'viewer' | 'analyst' | 'admin' | 'sensor';

const RANK: Record<Role, number> = { sensor: -1, viewer: 0, analyst: 1, admin: 2 };

export function roleAllows(role: Role, access: Access): boolean {
  if (access === 'public') return true;
  if (access === 'sensor') return role === 'sensor';
  if (role === 'sensor') return false;
  return RANK[role] >= RANK[access];
}

export function isRole(value: string): value is Role {
  return value === 'viewer' || value === 'analyst' || value === 'admin' || value === 'sensor';
}
