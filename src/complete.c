/*
 * complete.c - completion scripts (see complete.h).
 *
 * bash: a function _selfattn for `complete -F`.  It joins the pieces
 * bash's COMP_WORDBREAKS (= and @ among them) split a word into, as
 * they touch in COMP_LINE, completes the word selfattn will get, and
 * gives the replies less what lies before bash's current piece.  An
 * option's argument is completed after the option as a separate word
 * (--input FILE, -x FILE), after "=" (--causal=) and attached to a
 * letter (-cbottom-right, -xX.csv); an optional argument only after
 * "=" or attached, as selfattn reads it (and --causal= is offered
 * beside --causal, so that no space follows the name).  An
 * @FILE argument (--labels) completes to @ and file names.  Any other
 * word completes to the options if it starts with "-", else to file
 * names (the operands of --merge).
 *
 * zsh: an _arguments specification per option, for a file to be put
 * in a directory of $fpath as _selfattn; @FILE by a function of its
 * own, _selfattn_at.
 */
#include <string.h>

#include "complete.h"

/* getopt.h's values, without needing getopt.h here */
#define NO_ARG 0
#define REQ_ARG 1

/* What an option's argument completes to (ANY: a pattern() of every
 * option that takes one). */
enum kind { NOTHING, FILES, AT_FILES, WORDS, ANY };

static enum kind
kind(const struct complete_opt *o)
{
	if (o->has_arg == NO_ARG || o->arg == NULL)
		return NOTHING;
	if (strcmp(o->arg, "FILE") == 0)
		return FILES;
	if (strcmp(o->arg, "@FILE") == 0)
		return AT_FILES;
	return WORDS;
}

/* "a|b|c": the case pattern of every option of kind k (and, for WORDS,
 * keywords w), long names, and with sep (the argument as the next word)
 * only options that require one, with their letters; 0 if none. */
static int
pattern(FILE *f, const struct complete_opt *o, size_t n, enum kind k,
    const char *w, int sep)
{
	size_t i;
	int any = 0;

	for (i = 0; i < n; i++) {
		if ((k != ANY && kind(&o[i]) != k) || (w && strcmp(o[i].arg,
		    w) != 0) ||
		    (sep && o[i].has_arg != REQ_ARG))
			continue;
		fprintf(f, "%s--%s", any == 0 ? "\t\t" : any % 6 == 0 ?
		    "|\\\n\t\t" : "|", o[i].name);
		any++;
		if (sep && o[i].letter)
			fprintf(f, "|-%c", o[i].letter);
	}
	return any;
}

/* Every long option's name, "--name", separated by sep. */
static void
longs(FILE *f, const struct complete_opt *o, size_t n, const char *sep)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s--%s", i == 0 ? "" : i % 6 == 0 ? sep : " ",
		    o[i].name);
}

/* The case arms that complete val, for the options' argument. */
static void
bash_arms(FILE *f, const struct complete_opt *o, size_t n)
{
	size_t i, j;

	if (pattern(f, o, n, FILES, NULL, 0))
		fputs(")\n\t\t\tmapfile -t COMPREPLY < <(compgen -f -- "
		    "\"$val\");;\n", f);
	if (pattern(f, o, n, AT_FILES, NULL, 0))
		fputs(")\n\t\t\t# readline quotes a reply's @ (\\@)\n"
		    "\t\t\t[[ $val != \\\\@* ]] || val=${val#\\\\}\n"
		    "\t\t\tif [[ $val == @* ]]; then\n"
		    "\t\t\t\t# a folder gets its / (-o filenames tests\n"
		    "\t\t\t\t# the reply, @ and all, and finds none)\n"
		    "\t\t\t\tlocal f\n"
		    "\t\t\t\twhile IFS= read -r f; do\n"
		    "\t\t\t\t\tif [[ -d $f ]]; then\n"
		    "\t\t\t\t\t\tCOMPREPLY+=(\"@$f/\")\n"
		    "\t\t\t\t\t\tcompopt -o nospace 2>/dev/null\n"
		    "\t\t\t\t\telse\n"
		    "\t\t\t\t\t\tCOMPREPLY+=(\"@$f\")\n"
		    "\t\t\t\t\tfi\n"
		    "\t\t\t\tdone < <(compgen -f -- \"${val#@}\")\n"
		    "\t\t\telif [[ -z $val ]]; then\n"
		    "\t\t\t\tCOMPREPLY=(@)\n"
		    "\t\t\t\tcompopt -o nospace 2>/dev/null\n"
		    "\t\t\tfi;;\n", f);
	for (i = 0; i < n; i++) {
		if (kind(&o[i]) != WORDS)
			continue;
		for (j = 0; j < i; j++)	/* the same words: one arm */
			if (kind(&o[j]) == WORDS &&
			    strcmp(o[j].arg, o[i].arg) == 0)
				break;
		if (j < i)
			continue;
		pattern(f, o, n, WORDS, o[i].arg, 0);
		fprintf(f, ")\n\t\t\tCOMPREPLY=($(compgen -W '%s' -- "
		    "\"$val\"));;\n", o[i].arg);
	}
}

static void
bash(FILE *f, const struct complete_opt *o, size_t n)
{
	size_t i;

	fputs("# bash completion for selfattn: made by "
	    "`selfattn --completion bash`\n"
	    "# _selfattn_full NAME: _selfattn_r = the long option NAME names:\n"
	    "# itself, or the one it is the start of if there is one only\n"
	    "# (selfattn reads --lay as --layout), else NAME\n"
	    "_selfattn_full()\n"
	    "{\n"
	    "\tlocal o m=\n"
	    "\t_selfattn_r=$1\n"
	    "\t[[ $1 == --?* ]] || return 0\n"
	    "\tfor o in ", f);
	longs(f, o, n, " \\\n\t    ");
	fputs("; do\n"
	    "\t\t[[ $o == \"$1\" ]] && return 0\n"
	    "\t\t[[ $o == \"$1\"* ]] || continue\n"
	    "\t\t[[ -z $m ]] || return 0\n"
	    "\t\tm=$o\n"
	    "\tdone\n"
	    "\t[[ -z $m ]] || _selfattn_r=$m\n"
	    "}\n"
	    "_selfattn()\n"
	    "{\n"
	    "\tlocal line=${COMP_LINE:0:COMP_POINT} IFS=$' \\t\\n'\n"
	    "\t# (COMPREPLY=($(compgen ...)) splits at IFS: the user's may\n"
	    "\t# be another)\n"
	    "\tlocal i at=0 sp w n=-1 words=() word prev opt= val= pre=\n"
	    "\tlocal _selfattn_r\n"
	    "\t# bash splits words at COMP_WORDBREAKS (= and @ among them):\n"
	    "\t# pieces that touch in the line are one word of selfattn's\n"
	    "\tfor ((i = 0; i <= COMP_CWORD; i++)); do\n"
	    "\t\tw=${COMP_WORDS[i]} sp=$((i == 0))\n"
	    "\t\twhile [[ ${line:at:1} == [[:space:]] ]]; do\n"
	    "\t\t\t((at++)); sp=1\n"
	    "\t\tdone\n"
	    "\t\tif ((sp)); then words[++n]=$w; else words[n]+=$w; fi\n"
	    "\t\t((at += ${#w}))\n"
	    "\tdone\n"
	    "\tword=${words[n]} prev=\n"
	    "\t((n < 1)) || prev=${words[n-1]}\n"
	    "\tCOMPREPLY=()\n"
	    "\t# after a word --, operands only (files)\n"
	    "\tlocal ops=0\n"
	    "\tfor ((i = 1; i < n; i++)); do\n"
	    "\t\t[[ ${words[i]} != -- ]] || ops=1\n"
	    "\tdone\n"
	    "\t# an argument after \"=\", or as the next word (not an optional\n"
	    "\t# one: selfattn would take that for an operand)\n"
	    "\tif ((ops)); then\n"
	    "\t\t:\n"
	    "\telif [[ $word == --*=* ]]; then\n"
	    "\t\t_selfattn_full \"${word%%=*}\"\n"
	    "\t\topt=$_selfattn_r val=${word#*=} pre=${word%%=*}=\n", f);
	/* a letter's argument attached (-cbottom-right, -fnpy) */
	fputs("\telif [[ $word == -[", f);
	for (i = 0; i < n; i++)
		if (o[i].letter && o[i].has_arg != NO_ARG)
			putc(o[i].letter, f);
	fputs("]?* ]]; then\n"
	    "\t\topt=${word:0:2} val=${word:2} pre=$opt\n"
	    "\telse\n"
	    "\t\t_selfattn_full \"$prev\"\n"
	    "\t\tcase $_selfattn_r in\n", f);
	pattern(f, o, n, ANY, NULL, 1);
	fputs(")\n\t\t\topt=$_selfattn_r val=$word;;\n"
	    "\t\tesac\n"
	    "\tfi\n"
	    "\tif [[ -n $opt ]]; then\n"
	    "\t\tcase $opt in\n", f);
	/* the arms below match long names: a letter becomes its name */
	for (i = 0; i < n; i++)
		if (o[i].letter && o[i].has_arg != NO_ARG)
			fprintf(f, "\t\t-%c) opt=--%s;;\n", o[i].letter,
			    o[i].name);
	fputs("\t\tesac\n\t\tcase $opt in\n", f);
	bash_arms(f, o, n);
	fputs("\t\tesac\n"
	    "\t\tCOMPREPLY=(\"${COMPREPLY[@]/#/$pre}\")\n"
	    "\telif ((!ops)) && [[ $word == -* ]]; then\n"
	    "\t\t# --causal and --causal=: an optional argument follows\n"
	    "\t\t# an =, so no space after the name\n"
	    "\t\tCOMPREPLY=($(compgen -W '", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s--%s", i ? " " : "", o[i].name);
		if (o[i].has_arg != NO_ARG && o[i].has_arg != REQ_ARG)
			fprintf(f, " --%s=", o[i].name);
	}
	for (i = 0; i < n; i++)
		if (o[i].letter)
			fprintf(f, " -%c", o[i].letter);
	fputs("' -- \"$word\"))\n"
	    "\telse\n"
	    "\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$word\")\n"
	    "\tfi\n"
	    "\t# readline puts a reply in place of the word's end after its\n"
	    "\t# last COMP_WORDBREAKS character not escaped by a \\ (an @\n"
	    "\t# there it replaces too): what lies before goes\n"
	    "\tfor ((i = ${#word}; i > 0; i--)); do\n"
	    "\t\t[[ $COMP_WORDBREAKS == *\"${word:i-1:1}\"* ]] &&\n"
	    "\t\t    { ((i < 2)) || [[ ${word:i-2:1} != \\\\ ]]; } && break\n"
	    "\tdone\n"
	    "\t((i > 0)) && [[ ${word:i-1:1} == @ ]] && ((i--))\n"
	    "\tw=${word:0:i}\n"
	    "\t[[ -z $w ]] || COMPREPLY=(\"${COMPREPLY[@]#\"$w\"}\")\n"
	    "\treturn 0\n"
	    "}\n"
	    "complete -o filenames -F _selfattn selfattn\n", f);
}

/* One _arguments action for option o's argument. */
static void
zsh_action(FILE *f, const struct complete_opt *o)
{
	if (o->has_arg != REQ_ARG)
		fputc(':', f);	/* "::": the argument is optional */
	switch (kind(o)) {
	case NOTHING:
	case ANY:	/* not a kind of its own */
		fputs(":value: ", f);
		break;
	case FILES:
		fputs(":file:_files", f);
		break;
	case AT_FILES:
		fputs(":file:_selfattn_at", f);
		break;
	case WORDS:
		fprintf(f, ":keyword:(%s)", o->arg);
		break;
	}
}

static void
zsh(FILE *f, const struct complete_opt *o, size_t n)
{
	size_t i;

	fputs("#compdef selfattn\n"
	    "# zsh completion for selfattn: made by "
	    "`selfattn --completion zsh`\n"
	    "# @FILE: the files after an @, else the @ itself\n"
	    "_selfattn_at() {\n"
	    "\tif compset -P '@'; then _files; else compadd -S '' -- @; fi\n"
	    "}\n"
	    "# _selfattn_full NAME: REPLY = the long option NAME names:\n"
	    "# itself, or the one it is the start of if there is one only\n"
	    "# (selfattn reads --lay as --layout), else NAME\n"
	    "_selfattn_full() {\n"
	    "\tlocal o m=\n"
	    "\tREPLY=$1\n"
	    "\t[[ $1 == --?* ]] || return 0\n"
	    "\tfor o in ", f);
	longs(f, o, n, " \\\n\t    ");
	fputs("; do\n"
	    "\t\t[[ $o == $1 ]] && return 0\n"
	    "\t\t[[ $o == $1* ]] || continue\n"
	    "\t\t[[ -z $m ]] || return 0\n"
	    "\t\tm=$o\n"
	    "\tdone\n"
	    "\t[[ -z $m ]] || REPLY=$m\n"
	    "}\n"
	    "# _arguments knows whole names only: the options before the\n"
	    "# cursor (up to a --), and the word at it when it has its =,\n"
	    "# get theirs\n"
	    "local i n REPLY\n"
	    "for ((i = 2; i < CURRENT; i++)); do\n"
	    "\t[[ $words[i] == -- ]] && break\n"
	    "\t[[ $words[i] == --?* ]] || continue\n"
	    "\tn=${words[i]%%=*}\n"
	    "\t_selfattn_full $n\n"
	    "\twords[i]=$REPLY${words[i]#$n}\n"
	    "done\n"
	    "if ((i == CURRENT)) && [[ $PREFIX == --?*=* ]]; then\n"
	    "\tn=${PREFIX%%=*}\n"
	    "\t_selfattn_full $n\n"
	    "\tPREFIX=$REPLY${PREFIX#$n}\n"
	    "\twords[CURRENT]=$REPLY${words[CURRENT]#$n}\n"
	    "fi\n"
	    "_arguments -s -S \\\n", f);
	for (i = 0; i < n; i++) {
		/* --name= (required: also --name ARG), --name=- (optional:
		 * only --name=ARG); short: -c+ (required), -c- (attached) */
		fprintf(f, "\t'--%s%s", o[i].name, o[i].has_arg == NO_ARG ?
		    "" : o[i].has_arg == REQ_ARG ? "=" : "=-");
		if (o[i].has_arg != NO_ARG)
			zsh_action(f, &o[i]);
		fputs("' \\\n", f);
		if (!o[i].letter)
			continue;
		fprintf(f, "\t'-%c%s", o[i].letter, o[i].has_arg == NO_ARG ?
		    "" : o[i].has_arg == REQ_ARG ? "+" : "-");
		if (o[i].has_arg != NO_ARG)
			zsh_action(f, &o[i]);
		fputs("' \\\n", f);
	}
	fputs("\t'*:file:_files'\n", f);
}

void
complete_print(FILE *f, const char *shell, const struct complete_opt *o,
    size_t n)
{
	if (strcmp(shell, "zsh") == 0)
		zsh(f, o, n);
	else
		bash(f, o, n);
}
