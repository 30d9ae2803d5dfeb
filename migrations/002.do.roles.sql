-- Reference data every environment needs: role 1 is the admin role the /op console requires.
INSERT INTO roles (role_id, role_name) VALUES
  (1, 'Admin'),
  (2, 'Flyer'),
  (3, 'Instructor'),
  (4, 'Examiner');
