"""`storyline import storyboard`: a StoryBoard deployment into Storyline, ids kept (docs/migration.md).

Two sources give the same rows (StoryBoard's database columns, one kind of object at a time, in the
order their references need): `api.ApiSource` (the REST API v1, what its token may see) and
`database.DatabaseSource` (StoryBoard's MySQL database: everything, private stories and every user's
preferences too). `writer.Writer` writes them into Storyline with their StoryBoard ids.
"""
