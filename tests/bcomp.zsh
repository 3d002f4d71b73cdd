#!/bin/zsh -f
# tests/bcomp.zsh SCRIPT DIR LINE - the line that bash's readline makes
# of LINE and a TAB, with the completion SCRIPT sourced, in folder DIR.
# A real interactive bash in a pseudo-terminal (zsh/zpty): readline, not
# a test's COMP_WORDS, splits the words and puts the reply in place.  A
# key bound with bind -x prints the line after the TAB between <line>
# and </line>.  For tests/complete.bats.
zmodload zsh/zpty || exit 2
zpty b bash --norc --noprofile -i || exit 2
zpty -w b "PS1='<p''rompt>'; cd ${(q)2} && source ${(q)1}"
zpty -w b "bind -x '\"\\C-t\": printf \"<li\"\"ne>%s</line>\\n\" \"\$READLINE_LINE\"'"
zpty -w b 'echo "<""ready>"'
zpty -r b out '*<ready>*' || exit 2
# the prompt after it: readline reads the terminal raw from then on
zpty -r b out '*<prompt>*' || exit 2
zpty -n -w b "$3"$'\t'
zpty -n -w b $'\C-t'
zpty -r b out '*</line>*' || exit 2
zpty -d b
out=${out##*<line>}
print -r -- ${out%%</line>*}
