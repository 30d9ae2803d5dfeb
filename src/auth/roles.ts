/** Role 1 is the admin role the /op console requires (roles are reference data, migrations/002). */
export const ADMIN_ROLE_ID = 1;
