"""Story attachments: files kept in the database (content-addressed blobs), visible with their story."""
