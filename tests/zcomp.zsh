#!/bin/zsh -f
# tests/zcomp.zsh DIR LINE - the matches zsh's completion offers for the
# end of LINE, one a line, sorted, with the completion functions of DIR
# (where _selfattn is) first in $fpath.  A real interactive zsh in a
# pseudo-terminal (zsh/zpty) gets LINE and a TAB; compadd is wrapped to
# print what each call adds.  For tests/complete.bats.
zmodload zsh/zpty || exit 2
zpty z zsh -f -i || exit 2
zpty -w z "PROMPT='<p''rompt>'; fpath=(${(q)1} \$fpath);" \
    "autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() { local -a h; builtin compadd -O h "$@";' \
    'local m; for m in $h; do print -r -- "<match>$m</match>"; done;' \
    'builtin compadd "$@" }'
zpty -w z 'bindkey "^I" complete-word; print "<""ready>"'
zpty -r z out '*<ready>*' || exit 2
# and the prompt after it: the line editor reads the terminal raw from
# then on (typed earlier, the line met the terminal's own line editing,
# whose ^U erased it before zsh read it: no completion, now and then on
# a busy machine)
zpty -r z out '*<prompt>*' || exit 2
# the line and a TAB, then the line killed and a marker
zpty -n -w z "$2"$'\t'
zpty -n -w z $'\C-u'
zpty -w z 'print "<""done>"'
zpty -r z out '*<done>*' || exit 2
zpty -d z
print -r -- ${out//$'\r'/} | grep -o '<match>[^<]*</match>' |
    sed 's/<match>//; s/<\/match>//' | sort -u
