# hoist's built-in tag rules: used when there is no policy file, or when the
# policy has no tag rule. They give what docker/metadata-action users expect,
# corrected so that a release never moves a floating tag backwards:
#
#   git tag v1.2.3          1.2.3, plus 1.2, 1 and latest only where 1.2.3 is
#                           the highest release (a backport keeps them away)
#   git tag v2.1.0-rc.1     2.1.0-rc.1 only
#   git tag v0.3.0          0.3.0 0.3 latest (never a bare 0)
#   other git tag           the tag, sanitized
#   branch feature/Foo#12   feature-foo-12 (not on pull requests and tags)
#   pull request 12         pr-12
#   always                  sha-1a2b3c4 (the short commit id)
#
# There are no prune rules: without a policy that says what may go, hoist
# prune deletes nothing.

tag "semver" {
  when = semver_valid(git.tag)
  tags = semver_tags(git.tag, registry.versions)
}

tag "git-tag" {
  when = git.tag != null && !semver_valid(git.tag)
  tags = [sanitize_tag(git.tag)]
}

tag "branch" {
  when = git.branch != null && git.tag == null && git.pr == null
  tags = [sanitize_tag(git.branch)]
}

tag "pr" {
  when = git.pr != null
  tags = ["pr-${git.pr}"]
}

tag "sha" {
  when = git.short_sha != null
  tags = ["sha-${substr(git.short_sha, 0, 7)}"]
}
