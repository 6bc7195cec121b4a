"""The visibility rule for a set of users at once (notification and e-mail recipients) agrees with the
rule each of them meets through the API."""

from builders import make_persona

from storyline.authz import users_who_can_see_story


def test_only_the_list_of_a_private_story_can_see_it(app, client, api):
    author, listed, outsider = make_persona(app), make_persona(app), make_persona(app)
    story = api.story(author, private=True, users=[author.id, listed.id])
    with app.state.read_sessions() as session:
        sees = users_who_can_see_story(session, story["id"], {author.id, listed.id, outsider.id, api.admin.id})
    assert sees == {author.id, listed.id}
    for who in (author, listed, outsider, api.admin):
        visible = client.get(f"/v1/stories/{story['id']}", headers=who.headers).status_code == 200
        assert visible == (who.id in sees), who
    public = api.story(author)
    with app.state.read_sessions() as session:
        assert users_who_can_see_story(session, public["id"], {listed.id, outsider.id}) == {listed.id, outsider.id}
