/* stats.c - order statistics (see stats.h): quickselect, no sort. */
#include "metrics/stats.h"

#include <math.h>

/* NaNs moved past the end: how many values are left. */
static size_t drop_nan(double *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			v[k++] = v[i];
	return k;
}

/* The k-th smallest of v[0..n) (k < n), by Hoare's selection with the
 * middle as pivot: v is reordered around it. */
static double select_k(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

bool cd_percentile(double *v, size_t n, double p, double *out)
{
	n = drop_nan(v, n);
	if (n == 0 || !(p > 0) || p > 100)
		return false;
	/* the rank: ceil(p/100 * n), 1-based */
	double r = ceil(p / 100.0 * (double)n - 1e-9);
	size_t k = r < 1 ? 0 : (size_t)r - 1;
	if (k >= n)
		k = n - 1;
	*out = select_k(v, n, k);
	return true;
}

bool cd_median(double *v, size_t n, double *out)
{
	n = drop_nan(v, n);
	if (n == 0)
		return false;
	double hi = select_k(v, n, n / 2);
	if (n % 2) {
		*out = hi;
		return true;
	}
	/* the largest of the lower half: after selection it sits below n/2 */
	double lo = v[0];
	for (size_t i = 1; i < n / 2; i++)
		if (v[i] > lo)
			lo = v[i];
	*out = (lo + hi) / 2;
	return true;
}

bool cd_median_mad(double *v, size_t n, double *median, double *mad)
{
	n = drop_nan(v, n);
	if (!cd_median(v, n, median))
		return false;
	for (size_t i = 0; i < n; i++)
		v[i] = fabs(v[i] - *median);
	return cd_median(v, n, mad);
}
