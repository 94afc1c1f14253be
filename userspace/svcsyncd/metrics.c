// SPDX-License-Identifier: GPL-2.0
/*
 * metrics: Prometheus registry and text exposition 0.0.4, following client_golang's
 * expfmt: families sorted by name, series sorted by label values, labels sorted by name
 * with "le" last, floats as strconv.FormatFloat(v, 'g', -1, 64), bucket counts as integers,
 * a labelled family with no series left out.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

enum metric_type { M_COUNTER, M_GAUGE, M_HISTOGRAM };
static const char *const type_name[] = { "counter", "gauge", "histogram" };

struct series {
	char **values;			/* in declaration order */
	double value;			/* counter, gauge */
	uint64_t *counts;		/* histogram, per bucket (not cumulative), +Inf last */
	double sum;
	uint64_t count;
};

struct metric {
	struct metrics *reg;
	enum metric_type type;
	char *name, *help;
	size_t nlabels;
	char **labels;
	size_t *order;			/* label indexes sorted by label name */
	double *buckets;
	size_t nbuckets;
	struct series **series;		/* sorted by label values in label-name order */
	size_t nseries, cap;
};

struct metrics {
	pthread_mutex_t lock;
	struct metric **fams;		/* sorted by name */
	size_t nfams, cap;
};

struct metrics *metrics_new(void)
{
	struct metrics *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (pthread_mutex_init(&r->lock, NULL)) {
		free(r);
		return NULL;
	}
	return r;
}

static void series_free(struct series *s, size_t nlabels)
{
	if (!s)
		return;
	for (size_t i = 0; i < nlabels; i++)
		free(s->values[i]);
	free(s->values);
	free(s->counts);
	free(s);
}

static void metric_free(struct metric *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nseries; i++)
		series_free(m->series[i], m->nlabels);
	free(m->series);
	for (size_t i = 0; i < m->nlabels; i++)
		free(m->labels[i]);
	free(m->labels);
	free(m->order);
	free(m->buckets);
	free(m->name);
	free(m->help);
	free(m);
}

void metrics_free(struct metrics *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nfams; i++)
		metric_free(r->fams[i]);
	free(r->fams);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static bool valid_name(const char *s, bool colon)
{
	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++) {
		bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
			     (colon && *p == ':');

		if (!alpha && (p == s || *p < '0' || *p > '9'))
			return false;
	}
	return true;
}

/* series with no labels exist from the start: client_golang shows them as 0 */
static struct series *series_new(const struct metric *m, const char *const *values)
{
	struct series *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->values = calloc(m->nlabels ? m->nlabels : 1, sizeof(*s->values));
	if (!s->values)
		goto fail;
	for (size_t i = 0; i < m->nlabels; i++) {
		s->values[i] = strdup(values[i]);
		if (!s->values[i])
			goto fail;
	}
	if (m->type == M_HISTOGRAM) {
		s->counts = calloc(m->nbuckets + 1, sizeof(*s->counts));
		if (!s->counts)
			goto fail;
	}
	return s;
fail:
	series_free(s, m->nlabels);
	return NULL;
}

static int cmp_values(const struct metric *m, const char *const *a, const char *const *b)
{
	for (size_t i = 0; i < m->nlabels; i++) {
		int c = strcmp(a[m->order[i]], b[m->order[i]]);

		if (c)
			return c;
	}
	return 0;
}

/* binary search; *at is where the series is or would go */
static struct series *find_series(const struct metric *m, const char *const *values, size_t *at)
{
	size_t lo = 0, hi = m->nseries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_values(m, (const char *const *)m->series[mid]->values, values);

		if (!c) {
			*at = mid;
			return m->series[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

static struct series *get_series(struct metric *m, const char *const *values)
{
	struct series *s;
	size_t at;

	for (size_t i = 0; i < m->nlabels; i++) {
		if (!values || !values[i])
			return NULL;
	}
	s = find_series(m, values, &at);
	if (s)
		return s;
	if (m->nseries == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 4;
		struct series **n = realloc(m->series, cap * sizeof(*n));

		if (!n)
			return NULL;
		m->series = n;
		m->cap = cap;
	}
	s = series_new(m, values);
	if (!s)
		return NULL;
	memmove(&m->series[at + 1], &m->series[at], (m->nseries - at) * sizeof(*m->series));
	m->series[at] = s;
	m->nseries++;
	return s;
}

static struct metric *declare(struct metrics *r, enum metric_type type, const char *name,
			      const char *help, const char *const *labels, size_t nlabels,
			      const double *buckets, size_t nbuckets)
{
	struct metric *m = NULL;
	size_t at = 0;
	int err = EINVAL;

	if (!r || !valid_name(name, true) || !help || (nlabels && !labels))
		goto fail;
	for (size_t i = 0; i < nlabels; i++) {
		if (!valid_name(labels[i], false) || !strncmp(labels[i], "__", 2) ||
		    (type == M_HISTOGRAM && !strcmp(labels[i], "le")))
			goto fail;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(labels[i], labels[j]))
				goto fail;
	}
	for (size_t i = 0; i < nbuckets; i++) {
		if (isnan(buckets[i]) || isinf(buckets[i]) || (i && buckets[i] <= buckets[i - 1]))
			goto fail;
	}
	err = ENOMEM;
	m = calloc(1, sizeof(*m));
	if (!m)
		goto fail;
	m->reg = r;
	m->type = type;
	m->name = strdup(name);
	m->help = strdup(help);
	m->labels = calloc(nlabels ? nlabels : 1, sizeof(*m->labels));
	m->order = calloc(nlabels ? nlabels : 1, sizeof(*m->order));
	m->buckets = calloc(nbuckets ? nbuckets : 1, sizeof(*m->buckets));
	if (!m->name || !m->help || !m->labels || !m->order || !m->buckets)
		goto fail;
	m->nbuckets = nbuckets;
	if (nbuckets)
		memcpy(m->buckets, buckets, nbuckets * sizeof(*buckets));
	for (size_t i = 0; i < nlabels; i++) {
		m->labels[m->nlabels] = strdup(labels[i]);
		if (!m->labels[m->nlabels])
			goto fail;
		m->nlabels++;
	}
	/* insertion sort of label indexes by name: few labels */
	for (size_t i = 0; i < nlabels; i++) {
		size_t j = i;

		while (j && strcmp(labels[m->order[j - 1]], labels[i]) > 0) {
			m->order[j] = m->order[j - 1];
			j--;
		}
		m->order[j] = i;
	}
	if (!nlabels && !get_series(m, NULL))
		goto fail;

	pthread_mutex_lock(&r->lock);
	while (at < r->nfams && strcmp(r->fams[at]->name, name) < 0)
		at++;
	if (at < r->nfams && !strcmp(r->fams[at]->name, name)) {
		pthread_mutex_unlock(&r->lock);
		err = EEXIST;
		goto fail;
	}
	if (r->nfams == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct metric **n = realloc(r->fams, cap * sizeof(*n));

		if (!n) {
			pthread_mutex_unlock(&r->lock);
			goto fail;
		}
		r->fams = n;
		r->cap = cap;
	}
	memmove(&r->fams[at + 1], &r->fams[at], (r->nfams - at) * sizeof(*r->fams));
	r->fams[at] = m;
	r->nfams++;
	pthread_mutex_unlock(&r->lock);
	return m;
fail:
	metric_free(m);
	errno = err;
	return NULL;
}

struct metric *metrics_counter(struct metrics *r, const char *name, const char *help,
			       const char *const *labels, size_t nlabels)
{
	return declare(r, M_COUNTER, name, help, labels, nlabels, NULL, 0);
}

struct metric *metrics_gauge(struct metrics *r, const char *name, const char *help,
			     const char *const *labels, size_t nlabels)
{
	return declare(r, M_GAUGE, name, help, labels, nlabels, NULL, 0);
}

struct metric *metrics_histogram(struct metrics *r, const char *name, const char *help,
				 const char *const *labels, size_t nlabels,
				 const double *buckets, size_t nbuckets)
{
	if (!buckets || !nbuckets) {
		errno = EINVAL;
		return NULL;
	}
	return declare(r, M_HISTOGRAM, name, help, labels, nlabels, buckets, nbuckets);
}

/* op: 0 add, 1 set, 2 observe */
static int update(struct metric *m, const char *const *values, double v, int op)
{
	struct series *s;
	int err = 0;

	if (!m)
		return -EINVAL;
	if ((op == 0 && m->type == M_HISTOGRAM) || (op == 0 && m->type == M_COUNTER && !(v >= 0)) ||
	    (op == 1 && m->type != M_GAUGE) || (op == 2 && m->type != M_HISTOGRAM))
		return -EINVAL;
	pthread_mutex_lock(&m->reg->lock);
	s = get_series(m, values);
	if (!s) {
		err = values || !m->nlabels ? -ENOMEM : -EINVAL;
		goto out;
	}
	if (op == 0) {
		s->value += v;
	} else if (op == 1) {
		s->value = v;
	} else {
		size_t i = 0;

		/* the first bucket whose upper bound is >= v, else +Inf */
		while (i < m->nbuckets && !(v <= m->buckets[i]))
			i++;
		s->counts[i]++;
		s->sum += v;
		s->count++;
	}
out:
	pthread_mutex_unlock(&m->reg->lock);
	return err;
}

int metric_add(struct metric *m, const char *const *values, double v)
{
	return update(m, values, v, 0);
}

int metric_set(struct metric *m, const char *const *values, double v)
{
	return update(m, values, v, 1);
}

int metric_observe(struct metric *m, const char *const *values, double v)
{
	return update(m, values, v, 2);
}

int metric_get(struct metric *m, const char *const *values, double *v)
{
	struct series *s;
	size_t at;
	int err = 0;

	if (!m || (m->nlabels && !values))
		return -EINVAL;
	for (size_t i = 0; i < m->nlabels; i++)
		if (!values[i])
			return -EINVAL;
	pthread_mutex_lock(&m->reg->lock);
	s = find_series(m, values, &at);
	if (!s)
		err = -ENOENT;
	else
		*v = m->type == M_HISTOGRAM ? (double)s->count : s->value;
	pthread_mutex_unlock(&m->reg->lock);
	return err;
}

void metrics_format_float(double v, char *buf, size_t size)
{
	char e[40], digits[24];
	const char *p;
	size_t nd = 0;
	int exp, prec, len = 0;
	bool neg;

	if (isnan(v)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, size, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == 0) {
		snprintf(buf, size, "0");
		return;
	}
	/* the shortest %e that reads back as v: Go's shortest decimal */
	for (prec = 0; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec, v);
		if (strtod(e, NULL) == v)
			break;
	}
	neg = e[0] == '-';
	for (p = e + neg; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	exp = atoi(p + 1);
	if (neg)
		len += snprintf(buf + len, size - (size_t)len, "-");
	if (exp < -4 || exp >= 6) {
		/* %e form: d.ddde+XX */
		len += snprintf(buf + len, size - (size_t)len, "%c%s%s", digits[0],
				nd > 1 ? "." : "", digits + 1);
		snprintf(buf + len, size - (size_t)len, "e%c%02d", exp < 0 ? '-' : '+',
			 exp < 0 ? -exp : exp);
	} else if (exp >= 0) {
		for (int i = 0; i <= exp; i++)
			len += snprintf(buf + len, size - (size_t)len, "%c",
					(size_t)i < nd ? digits[i] : '0');
		if ((size_t)exp + 1 < nd)
			snprintf(buf + len, size - (size_t)len, ".%s", digits + exp + 1);
	} else {
		snprintf(buf + len, size - (size_t)len, "0.%.*s%s", -exp - 1, "0000", digits);
	}
}

static void put_escaped(FILE *f, const char *s, bool label)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (label && *s == '"')
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

/* name{labels,le="x"} */
static void put_labels(FILE *f, const struct metric *m, const struct series *s, const char *le)
{
	bool any = false;

	for (size_t i = 0; i < m->nlabels; i++) {
		size_t k = m->order[i];

		fprintf(f, "%s%s=\"", any ? "," : "{", m->labels[k]);
		put_escaped(f, s->values[k], true);
		fputc('"', f);
		any = true;
	}
	if (le) {
		fprintf(f, "%sle=\"%s\"", any ? "," : "{", le);
		any = true;
	}
	if (any)
		fputc('}', f);
}

static void put_family(FILE *f, const struct metric *m)
{
	char num[40];

	if (!m->nseries)
		return;
	/* client_golang always sets Help, so expfmt always writes the line */
	fprintf(f, "# HELP %s ", m->name);
	put_escaped(f, m->help, false);
	fputc('\n', f);
	fprintf(f, "# TYPE %s %s\n", m->name, type_name[m->type]);
	for (size_t i = 0; i < m->nseries; i++) {
		const struct series *s = m->series[i];
		uint64_t cum = 0;

		if (m->type != M_HISTOGRAM) {
			fputs(m->name, f);
			put_labels(f, m, s, NULL);
			metrics_format_float(s->value, num, sizeof(num));
			fprintf(f, " %s\n", num);
			continue;
		}
		for (size_t b = 0; b <= m->nbuckets; b++) {
			cum += s->counts[b];
			if (b < m->nbuckets)
				metrics_format_float(m->buckets[b], num, sizeof(num));
			else
				snprintf(num, sizeof(num), "+Inf");
			fprintf(f, "%s_bucket", m->name);
			put_labels(f, m, s, num);
			fprintf(f, " %llu\n", (unsigned long long)cum);
		}
		fprintf(f, "%s_sum", m->name);
		put_labels(f, m, s, NULL);
		metrics_format_float(s->sum, num, sizeof(num));
		fprintf(f, " %s\n", num);
		fprintf(f, "%s_count", m->name);
		put_labels(f, m, s, NULL);
		fprintf(f, " %llu\n", (unsigned long long)s->count);
	}
}

int metrics_expose(struct metrics *r, char **text, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int err = 0;

	if (!f)
		return -ENOMEM;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->nfams; i++)
		put_family(f, r->fams[i]);
	pthread_mutex_unlock(&r->lock);
	if (ferror(f))
		err = -ENOMEM;
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(buf);
		return err;
	}
	*text = buf;
	*len = n;
	return 0;
}
