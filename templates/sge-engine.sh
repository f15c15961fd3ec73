#$ -V
#$ -S /bin/sh
#$ -N ipengine
{program_and_args}
