#$ -V
#$ -S /bin/sh
#$ -N ipcontroller
{program_and_args}
