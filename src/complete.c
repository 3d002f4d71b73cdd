/*
 * complete.c - completion scripts (see complete.h).
 *
 * bash: a function _selfattn for `complete -F`.  An option's argument
 * is completed after the option as a separate word (--input FILE, -x
 * FILE) and after "=" (--causal=, whether or not bash's
 * COMP_WORDBREAKS split the word at "="); an optional argument only
 * after "=", as selfattn reads it.  Any other word completes to the
 * options if it starts with "-", else to file names (the operands of
 * --merge).
 *
 * zsh: an _arguments specification per option, for a file to be put
 * in a directory of $fpath as _selfattn.
 */
#include <string.h>

#include "complete.h"

/* getopt.h's values, without needing getopt.h here */
#define NO_ARG 0
#define REQ_ARG 1

static int
is_file(const struct complete_opt *o)
{
	return o->arg != NULL && strcmp(o->arg, "FILE") == 0;
}

/* The case pattern of option i: --name, and -c when separate (the
 * argument as the next word) and it has a letter. */
static void
bash_names(FILE *f, const struct complete_opt *o, size_t i, int separate)
{
	fprintf(f, "--%s", o[i].name);
	if (separate && o[i].letter)
		fprintf(f, "|-%c", o[i].letter);
}

static void
bash(FILE *f, const struct complete_opt *o, size_t n)
{
	size_t i;

	fputs("# bash completion for selfattn: made by "
	    "`selfattn --completion bash`\n"
	    "_selfattn()\n"
	    "{\n"
	    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} "
	    "prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	    "\tlocal opt= val= pre=\n"
	    "\tCOMPREPLY=()\n"
	    "\tif [[ $cur == = ]]; then\n"
	    "\t\topt=$prev\n"
	    "\telif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then\n"
	    "\t\topt=${COMP_WORDS[COMP_CWORD-2]} val=$cur\n"
	    "\telif [[ $cur == --*=* ]]; then\n"
	    "\t\topt=${cur%%=*} val=${cur#*=} pre=$opt=\n"
	    "\tfi\n"
	    "\tif [[ -n $opt ]]; then\n"
	    "\t\tcase $opt in\n", f);
	/* after "=": any option with an argument */
	for (i = 0; i < n; i++) {
		if (o[i].has_arg == NO_ARG || o[i].arg == NULL)
			continue;
		fputs("\t\t", f);
		bash_names(f, o, i, 0);
		if (is_file(&o[i]))
			fputs(")\n\t\t\tCOMPREPLY=($(compgen -f -- \"$val\"));;\n",
			    f);
		else
			fprintf(f, ")\n\t\t\tCOMPREPLY=($(compgen -W '%s' -- "
			    "\"$val\"));;\n", o[i].arg);
	}
	fputs("\t\tesac\n"
	    "\t\t[[ -z $pre ]] || COMPREPLY=(\"${COMPREPLY[@]/#/$pre}\")\n"
	    "\t\treturn 0\n"
	    "\tfi\n"
	    "\tcase $prev in\n", f);
	/* as the next word: required arguments only */
	for (i = 0; i < n; i++) {
		if (o[i].has_arg != REQ_ARG)
			continue;
		fputs("\t", f);
		bash_names(f, o, i, 1);
		if (o[i].arg == NULL)
			fputs(")\n\t\treturn 0;;\n", f);
		else if (is_file(&o[i]))
			fputs(")\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
			    "\t\treturn 0;;\n", f);
		else
			fprintf(f, ")\n\t\tCOMPREPLY=($(compgen -W '%s' -- "
			    "\"$cur\"))\n\t\treturn 0;;\n", o[i].arg);
	}
	fputs("\tesac\n"
	    "\tif [[ $cur == -* ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -W '", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s--%s", i ? " " : "", o[i].name);
	for (i = 0; i < n; i++)
		if (o[i].letter)
			fprintf(f, " -%c", o[i].letter);
	fputs("' -- \"$cur\"))\n"
	    "\telse\n"
	    "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	    "\tfi\n"
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
	if (o->arg == NULL)
		fputs(":value: ", f);
	else if (is_file(o))
		fputs(":file:_files", f);
	else
		fprintf(f, ":keyword:(%s)", o->arg);
}

static void
zsh(FILE *f, const struct complete_opt *o, size_t n)
{
	size_t i;

	fputs("#compdef selfattn\n"
	    "# zsh completion for selfattn: made by "
	    "`selfattn --completion zsh`\n"
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
